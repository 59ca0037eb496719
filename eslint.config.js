// Lint guards two things tsc cannot: workflow determinism and the folder boundaries
// (what may import what; see README "Layout").
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/** Top-level folders and what each may import besides itself (ARCHITECTURE.md). */
const MAY_IMPORT = {
  domain: [],
  workflows: ['domain', 'activities'], // activities as types only (rule below)
  db: ['domain', 'platform'],
  services: ['domain', 'db', 'workflows', 'platform'], // workflow message modules only (rule below)
  activities: ['domain', 'db', 'services', 'workflows', 'platform'], // workflow messages and failures only
  api: ['services', 'domain', 'db', 'workflows', 'platform'], // workflow message modules only
  platform: ['domain'],
  worker: ['activities', 'workflows', 'services', 'domain', 'db', 'platform'],
  launcher: ['services', 'worker', 'api', 'db', 'domain', 'workflows', 'platform'],
  scripts: ['launcher', 'services', 'worker', 'api', 'db', 'domain', 'workflows', 'activities', 'platform', 'schema'],
  bench: ['launcher', 'services', 'worker', 'api', 'db', 'domain', 'workflows', 'activities', 'platform', 'test', 'scripts'],
  test: ['launcher', 'services', 'worker', 'api', 'db', 'domain', 'workflows', 'activities', 'platform', 'scripts', 'bench', 'web'],
  // The web app talks to the platform through GraphQL only; of ours it imports the pure rules of
  // domain/ (the Action Center order, the state machines), written once for server and browser.
  web: ['domain'],
};
const LAYERS = Object.keys(MAY_IMPORT);

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '.tools/**', 'web/dist/**', 'bench/results/**', 'api/graphql/generated/**', 'web/src/graphql/generated.ts'] },
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
    // The folders are the boundaries, written as allow-lists: what each folder MAY import of
    // ours (anything else is an error). See ARCHITECTURE.md "What may import what".
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { boundaries },
    settings: {
      'boundaries/include': ['**/*.ts', '**/*.tsx'],
      'boundaries/elements': LAYERS.map((type) => ({ type, pattern: `${type}/**`, partialMatch: false })),
    },
    rules: {
      'boundaries/dependencies': ['error', {
        default: 'disallow',
        policies: Object.entries(MAY_IMPORT).map(([from, to]) => ({
          from: { element: { type: from } },
          allow: { to: { element: { types: { anyOf: [from, ...to] } } } },
        })),
      }],
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
    // The API and the application layer change state only by messaging workflows: their
    // contracts (messages.ts, search attributes, task queues), never their implementation.
    files: ['api/**/*.ts', 'services/**/*.ts'],
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
