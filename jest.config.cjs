/** Jest runs the TypeScript sources through swc (no type-check: `npm run typecheck` does that). */
const { existsSync } = require('node:fs');
const { availableParallelism } = require('node:os');
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
  // Jest's default (CPUs - 1) is one worker on a 2-CPU machine, the CI's: most suites wait on child
  // processes (python3, bash, Java, Chromium) or a store server, so two workers there finish the suite
  // in about two thirds of the time (measured: 1,371 s serial, 960 s with two while the box was busy).
  maxWorkers: Math.max(2, availableParallelism() - 1),
};
