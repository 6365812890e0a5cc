// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const io = ['fs', 'fs/promises', 'child_process', 'net', 'http', 'https', 'os', 'worker_threads', 'dgram', 'cluster', 'readline'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.vscode-test/', 'test-results/', 'demo/', 'test/fixtures/', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'Only src/extension (and integration tests) may import vscode.' }] },
      ],
    },
  },
  {
    files: ['src/extension/**/*.ts', 'test/integration/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The engine is pure: no VS Code, no database, no processes, no files, no network.
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'src/engine must not import vscode.' },
            { name: 'better-sqlite3', message: 'src/engine must not touch the database; use src/store.' },
            { name: 'pg', message: 'src/engine must not touch the database; use src/runner.' },
            ...io.map((name) => ({ name, message: 'src/engine must not do I/O; use src/runner or src/store.' })),
          ],
          patterns: [
            { group: ['node:*', '!node:crypto'], message: 'src/engine must stay free of Node I/O modules.' },
            { group: ['**/store/**', '**/runner/**', '**/extension/**', '**/cli/**'], message: 'The engine depends on nothing above it.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/engine must not read the process; inject what it needs.' }],
    },
  },
);
