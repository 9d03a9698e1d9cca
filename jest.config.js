/** One jest run collects every test under test/; suites that need something absent skip with a message. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  },
  moduleNameMapper: { '^@obe/chaincode$': '<rootDir>/chaincode/src/index.ts' },
  testTimeout: 60000,
  maxWorkers: 2,
};
