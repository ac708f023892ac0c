import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['node_modules/**', 'web/dist/**', 'dist/**', 'cdk.out/**', 'coverage/**', '.skydag/**', 'examples/**', 'vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-param-reassign': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The web console runs in the browser: browser globals, and React's rules of hooks.
    files: ['web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: {
      globals: {
        window: 'readonly', document: 'readonly', localStorage: 'readonly', fetch: 'readonly', performance: 'readonly',
        navigator: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly',
        requestAnimationFrame: 'readonly', cancelAnimationFrame: 'readonly', URL: 'readonly', URLSearchParams: 'readonly',
        Blob: 'readonly', FormData: 'readonly', ResizeObserver: 'readonly', File: 'readonly', FileReader: 'readonly', AbortController: 'readonly', HTMLElement: 'readonly',
      },
    },
    // No React Compiler in this build: its library-compatibility notice does not apply.
    rules: { ...reactHooks.configs.recommended.rules, 'react-hooks/incompatible-library': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The domain stays runtime-neutral: no AWS SDK and no middy under shared/ except the AWS adapters
    // (store adapters, and shared/aws/: Step Functions, Scheduler) that implement its ports.
    files: ['shared/**/*.ts'],
    ignores: ['shared/stores/dynamodb/**', 'shared/stores/s3/**', 'shared/aws/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@aws-sdk/*', '@middy/*'] }],
    },
  },
);
