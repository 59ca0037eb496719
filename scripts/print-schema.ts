/**
 * Prints the GraphQL contract clients read: every schema/*.graphql merged into one schema, as
 * the API serves it (api/graphql/schema.ts), sorted so that the output depends on the contract
 * only, into schema.graphql at the project root.
 *
 *   node scripts/print-schema.ts          writes schema.graphql   (npm run schema:print)
 *   node scripts/print-schema.ts --check  fails if it is stale     (npm run schema:check)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from '../api/graphql/schema.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const TARGET = path.join(ROOT, 'schema.graphql');

export function printedSchema(): string {
  const header = '# The GraphQL contract, printed from schema/*.graphql by `npm run schema:print`. Do not edit by hand.\n\n';
  return `${header}${printSchema(lexicographicSortSchema(buildSchema()))}\n`;
}

const printed = printedSchema();
if (process.argv.includes('--check')) {
  let current: string | undefined;
  try {
    current = readFileSync(TARGET, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== printed) {
    console.error(`schema.graphql is ${current === undefined ? 'missing' : 'stale'}: schema/*.graphql changed since it was printed. Run \`npm run schema:print\` and commit schema.graphql.`);
    process.exit(1);
  }
  console.log('schema.graphql matches schema/*.graphql');
} else {
  writeFileSync(TARGET, printed);
  console.log(`wrote ${path.relative(process.cwd(), TARGET) || TARGET}`);
}
