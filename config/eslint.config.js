// ESLint for gitward: typescript-eslint's type-aware recommended rules, plus
// the exhaustive-switch check (a switch over a union names every member, even
// when it has a default). The layer rules (who may import whom) are not here:
// they live in config/dependency-cruiser.cjs.
// Run from the repository root (`npm run lint`); paths are relative to it.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// The Node globals the JavaScript files use (ESLint's default is none).
const NODE_GLOBALS = Object.fromEntries(
  [
    'AbortController', 'AbortSignal', 'Buffer', 'URL', 'URLSearchParams', 'TextDecoder', 'TextEncoder',
    'clearImmediate', 'clearInterval', 'clearTimeout', 'console', 'fetch', 'performance', 'process',
    'queueMicrotask', 'setImmediate', 'setInterval', 'setTimeout', 'structuredClone',
  ].map(name => [name, 'readonly']),
)

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: ['tsconfig.json', 'test/tsconfig.json'],
        tsconfigRootDir: process.cwd(),
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      // An async method may implement a Promise-returning interface over a
      // synchronous engine (the SQLite store); that is not a mistake.
      '@typescript-eslint/require-await': 'off',
      // `${x}` where x is `never` is how a defensive "cannot happen" message
      // names the impossible value.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNever: true }],
    },
  },
  {
    // The executable and the benchmark scripts: plain JavaScript on Node.
    files: ['bin/gitward', 'test/bench/**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: NODE_GLOBALS },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    // `const { raw, ...rest } = x` is how a field is left out of a copy.
    rules: { 'no-unused-vars': ['error', { ignoreRestSiblings: true }] },
  },
  {
    // tap awaits every t.test() itself; a test callback needs no await.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
)
