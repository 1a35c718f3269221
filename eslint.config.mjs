import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['**/dist/**', '**/node_modules/**', '.k2k-tmp/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The engine has no Express and knows neither of its faces nor the gateway: they build on it.
    files: ['packages/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['express', '@k2k/k2k-forward', '@k2k/keystone-auth', '@k2k/gateway'].map((name) => ({ name, message: '@k2k/engine stays below its faces: no Express, no k2k-forward, keystone-auth or gateway.' })),
          patterns: [{ group: ['express/*', '@k2k/k2k-forward/*', '@k2k/keystone-auth/*', '@k2k/gateway/*'], message: '@k2k/engine stays below its faces.' }],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
