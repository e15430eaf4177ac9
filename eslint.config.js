import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'plugins/**/vendor/**', 'plugins/zapier/node_modules/**', '.cache/**', 'console/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // Tests read arbitrary JSON answers; typing every response body would add noise, not safety.
    files: ['**/*.test.ts', 'test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The CLI and benchmarks talk to a person on a terminal.
    files: ['src/cli/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // The console runs in the browser (built by Vite; console/build.ts and its config run on Node).
    files: ['console/src/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-console': 'error' },
  },
  {
    // The Salesforce SMS tab's script runs in the browser, served as it is (no build step).
    files: ['connectors/salesforce/canvas-assets/**/*.js'],
    languageOptions: { globals: { ...globals.browser }, sourceType: 'module' },
    rules: { 'no-console': 'error' },
  },
  {
    // The console's pages read the API's loosely typed parts (timeline entries, step fields) to word them.
    files: ['console/src/pages/scenarios.tsx'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The Zapier app is CommonJS, as zapier-platform-core apps are (plugins/zapier has its own package.json).
    files: ['plugins/zapier/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
