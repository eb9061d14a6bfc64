// The few lint rules that catch real bugs in this kind of code (formatting is prettier's job).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/.gen/', 'bench/.tmp/', 'examples/userinfo/gen/', '**/*.mjs', '**/*.js'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // A promise nobody awaits loses its rejection: on a server that is an unhandled rejection, i.e. a crash.
      '@typescript-eslint/no-floating-promises': 'error',
      // An async function where a callback's return is ignored (an event listener) loses its rejection the same way.
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      '@typescript-eslint/await-thenable': 'error',
      // A switch over a union (codes, wire types, states) must name every member, or say `default`.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    // tap's t.test(...) at a file's top level is awaited by tap itself.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: '@tapjs/test', name: ['test', 'only', 'skip', 'todo'] },
            { from: 'file', path: 'test/helpers/peers.ts', name: 'peerTest' },
          ],
        },
      ],
    },
  },
  {
    // The public surface and everything behind it: no `any` (the codec's few are marked where they are on purpose).
    files: ['src/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
);
