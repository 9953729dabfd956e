// The lint gate (npm run lint, run by .ci/run): type-aware rules that catch
// what tsc does not — a promise nobody awaits or handles, and a switch over a
// union or enum that forgets a case.
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/**', 'test/go/**', 'coverage/**', '.tap/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // tap runs and awaits its subtests itself.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'tap', name: ['test', 'only', 'skip', 'todo'] },
            { from: 'package', package: '@tapjs/core', name: ['test', 'only', 'skip', 'todo'] },
            { from: 'package', package: '@tapjs/test', name: ['test', 'only', 'skip', 'todo'] },
          ],
        },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
)
