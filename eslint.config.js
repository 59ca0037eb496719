// Lint guards two things tsc cannot: workflow determinism and the folder boundaries
// (what may import what; see README "Layout").
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '.tools/**', 'web/dist/**', 'bench/results/**', 'api/graphql/generated/**'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A forgotten await loses errors and breaks ordering; in workflows it breaks determinism.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Workflow code is replayed: no I/O, no Node built-ins, no database, activity types only.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
          patterns: [
            { group: ['**/db/**', '**/api/**', '**/worker/**', '**/launcher/**', '**/platform/**'], message: 'Workflows may import domain/ and workflows/ only.' },
            { group: ['@mikro-orm/*', 'pg', 'express', 'graphql*', 'stripe', 'pino', 'ws', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'No I/O libraries in workflow code.' },
            { group: ['**/activities/**'], allowTypeImports: true, message: 'Workflows import activity types only (import type).' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'No process access in workflows.' }],
    },
  },
  {
    // The shared vocabulary: pure TypeScript, imports nothing of ours and no I/O.
    files: ['domain/**/*.ts'],
    ignores: ['domain/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'domain/ is pure: no Node built-ins.' })),
          patterns: [{ group: ['../*', '@*/*', '!./*'], message: 'domain/ imports nothing outside itself.' }],
        },
      ],
    },
  },
  {
    // The API changes state only by messaging workflows: their contracts, never activities.
    files: ['api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/activities/**', '**/worker/**', '**/launcher/**'], message: 'api/ never imports activities, the worker or the launcher.' },
            { group: ['**/workflows/*/workflow.ts', '**/workflows/index.ts'], message: 'api/ imports a workflow\'s messages module, not its implementation.' },
          ],
        },
      ],
    },
  },
  {
    // Errors are mapped to GraphQL once (api/graphql/errors.ts); everything else throws DomainError.
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['api/graphql/errors.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...[
        "NewExpression[callee.name='GraphQLError']",
        "NewExpression[callee.property.name='GraphQLError']",
        "ImportSpecifier[imported.name='GraphQLError'][local.name!='GraphQLError']",
        "CallExpression[callee.name='createGraphQLError']",
      ].map((selector) => ({
        selector,
        message: 'Throw a DomainError (domain/errors.ts); only api/graphql/errors.ts builds GraphQLErrors (graphQLError() there, when a hook needs one).',
      }))],
    },
  },
  {
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/api/**', '**/worker/**', '**/launcher/**'], message: 'activities/ never import the API, the worker or the launcher.' },
            { group: ['**/workflows/*/workflow.ts', '**/workflows/index.ts'], message: 'Activities never import workflow internals.' },
          ],
        },
      ],
    },
  },
);
