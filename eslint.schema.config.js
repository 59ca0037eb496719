// The schema linter (npm run schema:lint, part of npm test): the GraphQL console's documentation
// pane is the operators' manual, so every type, field, argument and enum value in schema/ must say
// what it means. A separate config from eslint.config.js because .graphql files need the GraphQL
// parser and none of the TypeScript rules.
import graphql from '@graphql-eslint/eslint-plugin';

export default [
  {
    files: ['schema/**/*.graphql'],
    languageOptions: { parser: graphql.parser },
    plugins: { '@graphql-eslint': graphql },
    rules: {
      '@graphql-eslint/require-description': ['error', {
        types: true, // object, input, enum, scalar, interface and union types
        FieldDefinition: true,
        InputValueDefinition: true, // arguments and input fields
        EnumValueDefinition: true,
        DirectiveDefinition: true,
      }],
    },
  },
];
