import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { allowedImports, withoutExpress } from './scripts/package-tree.mjs';

/** no-restricted-imports options for one package's src: any @k2k package but those allowed, and Express if the package goes without it. */
function restrictionsOf(pkg, allowed) {
  const tree = `@k2k/${pkg} may import only ${allowed.map((name) => `@k2k/${name}`).join(', ') || 'no @k2k package'} (DESIGN.md "Layout")`;
  const noExpress = withoutExpress.includes(pkg) ? [{ group: ['express', 'express/*'], message: `@k2k/${pkg} has no Express.` }] : [];
  return {
    patterns: [
      { group: ['@k2k/*', ...allowed.flatMap((name) => [`!@k2k/${name}`, `!@k2k/${name}/*`])], message: `${tree}.` },
      ...noExpress,
    ],
  };
}

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
  // One block per package, from the one table of the package tree: its src imports only the @k2k
  // packages below it, and the lower layers no Express. (Import cycles: test/shape/package-shape.test.ts,
  // which counts type-only imports as eslint-plugin-import-x's no-cycle does not.)
  ...Object.entries(allowedImports).map(([pkg, allowed]) => ({
    files: [`packages/${pkg}/src/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', restrictionsOf(pkg, allowed)] },
  })),
  // The lower layers' tests run without what builds on them too: they may add only @k2k/testing and the package itself.
  ...withoutExpress.map((pkg) => ({
    files: [`packages/${pkg}/test/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', restrictionsOf(pkg, [...allowedImports[pkg], pkg, 'testing'])] },
  })),
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
