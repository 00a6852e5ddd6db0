import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/** Only the stages, the GitHub edge and the entry point talk to the runner's toolkit. */
const TOOLKIT_EDGE = ['src/stages/**', 'src/github/**', 'src/index.ts']

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
      ],
      'no-console': 'off'
    }
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error'
    }
  },
  {
    files: ['src/**/*.ts'],
    ignores: TOOLKIT_EDGE,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@actions/*'],
              message:
                'Only src/stages/, src/github/ and src/index.ts import the toolkit; take what you need as a parameter.',
              allowTypeImports: false
            }
          ]
        }
      ]
    }
  }
)
