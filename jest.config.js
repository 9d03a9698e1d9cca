/** One jest run collects every test under test/; suites that need something absent skip with a message. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Library log levels for the run (OBE_TEST_LOG=<level> shows logs); see the file.
  setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  },
  moduleNameMapper: {
    '^@obe/chaincode$': '<rootDir>/chaincode/src/index.ts',
    '^@obe/fabric-embedded$': '<rootDir>/gateway/fabric-embedded/src/index.ts',
  },
  testTimeout: 60000,
  maxWorkers: 2,
};
