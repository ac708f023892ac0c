/** Jest runs the TypeScript sources through swc (no type-check: `npm run typecheck` does that). */
const { existsSync } = require('node:fs');
const { join } = require('node:path');

module.exports = {
  testEnvironment: 'node',
  roots: ['test', 'shared', 'local', 'functions', 'infra', 'web'].filter((d) => existsSync(join(__dirname, d))).map((d) => `<rootDir>/${d}`),
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  // ESM-only packages must be transformed to CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(@huggingface/jinja|aws-local-stepfunctions|jose|@middy)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFiles: ['<rootDir>/test/setup.ts'],
  // One temporary folder per run, removed at the end (test/temp-root.cjs).
  globalSetup: '<rootDir>/test/temp-root-setup.cjs',
  globalTeardown: '<rootDir>/test/temp-root-teardown.cjs',
  testTimeout: 30000,
};
