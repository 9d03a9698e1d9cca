/** One jest run collects every test under test/; suites that need something absent skip with a message. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Library log levels for the run (OBE_TEST_LOG=<level> shows logs); see the file.
  setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
    // fabric-gateway signs with @noble/curves, published as ES modules only. Node loads them through require(), jest's
    // module registry does not (before Node 24.9): they are compiled to CommonJS like the tests, so a gateway with
    // OBE_LEDGER=fabric signs for real inside a jest process (the live suites in test/fabric).
    '^.+/node_modules/@noble/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', isolatedModules: true }, diagnostics: false },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@noble/)'],
  moduleNameMapper: {
    '^@obe/chaincode$': '<rootDir>/chaincode/src/index.ts',
    '^@obe/fabric-embedded$': '<rootDir>/gateway/fabric-embedded/src/index.ts',
  },
  testTimeout: 60000,
  maxWorkers: 2,
};
