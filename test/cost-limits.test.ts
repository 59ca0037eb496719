/**
 * The cost limit, calibrated on what the product sends (api/http/graphql-limits.ts): every
 * operation of the role × operation matrix (test/operations/), the README's examples, the
 * console's ready tabs (api/http/console.ts), the web app's operations (web/src/graphql/, at the
 * largest page) and a list view (a page of bookings with their last timeline entries) cost at most half
 * the default limit; abusive operations (nested big pages, a huge `first`, `first` hidden in a
 * variable) are refused before anything runs. (test/hardening.test.ts holds a small limit to
 * subscriptions over WebSocket and to mutations, which change nothing; deep nesting is its depth limit's.)
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  Kind, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType, parse, typeFromAST,
  type DocumentNode, type GraphQLInputType, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import { MAX_PAGE_SIZE } from '../api/graphql/connection.ts';
import { buildSchema } from '../api/graphql/schema.ts';
import { CONSOLE_TABS } from '../api/http/console.ts';
import { operationCost } from '../api/http/graphql-limits.ts';
import { DEFAULT_API_LIMITS } from '../platform/config.ts';
import { ALL_OPERATIONS } from './operations/index.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

const schema = buildSchema() as unknown as GraphQLSchema;
const MAX = DEFAULT_API_LIMITS.maxCost;

const BOOKING_FIELDS = `id ref status inquiryId clientId clientName modelId modelName locationId locationTitle startAt endAt priceTotal currency
  depositRequired depositStatus paymentStatus assigneeId notesInternal clientConfirmedArrival expiresAt confirmedAt cancelledAt workflowId createdAt updatedAt
  services { id title slug }`;
/** The console's booking list: a page of 20 with every field and each booking's last 5 timeline entries (the refused view). */
const BOOKING_LIST = `query BookingList($after: String) { bookings(first: 20, after: $after) {
  edges { cursor node { ${BOOKING_FIELDS} timeline(first: 5) { edges { cursor node { id eventType payload createdById createdAt } } pageInfo { hasNextPage endCursor } } } }
  pageInfo { hasNextPage endCursor } } }`;
const INQUIRY_LIST = `{ inquiries(first: 20) { edges { cursor node { id ref source externalRef status priority subject message clientName clientEmail clientPhone
  requestedTimeFrom requestedTimeTo requestedLocationId requestedServiceIds assigneeId bookingId depositAmount workflowId createdAt updatedAt matches { modelId score reason } } }
  pageInfo { hasNextPage endCursor } } }`;

/** The README's GraphQL examples (its ```graphql blocks and the inline list query). */
function readmeExamples(): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  return [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1] as string).concat(['{ inquiries(first: 10) { edges { node { ref status } } } }']);
}

/** A value of an input type that coerces (the cost depends only on `first`, which documents give literally or as Int). */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [sample(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (isInputObjectType(type)) {
    return Object.fromEntries(Object.values(type.getFields()).filter((f) => isNonNullType(f.type)).map((f) => [f.name, sample(f.type)]));
  }
  if (isScalarType(type)) {
    return ({ Int: 1, Float: 1, Boolean: true, ID: '00000000-0000-4000-8000-000000000000', DateTime: '2026-12-25T19:00:00Z' } as Record<string, unknown>)[type.name] ?? 'x';
  }
  return null;
}

/** The web app's operations (web/src/graphql/operations.graphql), each with the fragments it may use. */
function webOperations(): Array<readonly [string, DocumentNode]> {
  const document = parse(readFileSync(new URL('../web/src/graphql/operations.graphql', import.meta.url), 'utf8'));
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  return document.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((operation) => [`web app ${operation.name?.value ?? '?'}`, { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] }] as const);
}

/**
 * An operation's cost with its required variables sampled; a `first` variable is given the
 * largest page (100), more than any client of ours asks for.
 */
function costOf(document: string | DocumentNode, variables?: Record<string, unknown>): number {
  const ast = typeof document === 'string' ? parse(document) : document;
  const operation = ast.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const declared = operation?.variableDefinitions ?? [];
  const sampled = Object.fromEntries(declared
    .filter((v) => isNonNullType(typeFromAST(schema, v.type)))
    .map((v) => [v.variable.name.value, sample(typeFromAST(schema, v.type) as GraphQLInputType)]));
  const pages = declared.some((v) => v.variable.name.value === 'first') ? { first: MAX_PAGE_SIZE } : {};
  return operationCost(schema, ast, { ...sampled, ...pages, ...variables });
}

describe('calibration on what the product sends', () => {
  test('every matrix operation, README example, console tab, web app operation and list view costs at most half the default limit', () => {
    const product = [
      ...ALL_OPERATIONS.map((o) => [o.field, o.document] as const),
      ...readmeExamples().map((d, i) => [`README example ${i + 1}`, d] as const),
      ...CONSOLE_TABS.map((t, i) => [`console tab ${i + 1}`, t.query ?? ''] as const),
      ...webOperations(),
      ['booking list with timelines', BOOKING_LIST] as const,
      ['inquiry list', INQUIRY_LIST] as const,
    ];
    expect(product.length).toBeGreaterThan(80);
    const costs = product.map(([name, document]) => ({ name, cost: costOf(document) }));
    const over = costs.filter((c) => c.cost > MAX / 2);
    expect(over).toEqual([]);
    // The view is a real list: it costs in proportion to what it returns (~20 × (30 + 5 × 7)).
    const list = costs.find((c) => c.name === 'booking list with timelines')?.cost ?? 0;
    expect(list).toBeGreaterThan(1000);
    expect(list).toBeLessThanOrEqual(MAX / 2);
  });

  test('pages multiply, whether `first` is written, defaulted or a variable', () => {
    const page = (first: string) => costOf(`query ($n: Int) { bookings(first: ${first}) { edges { node { id } } } }`, { n: 40 });
    expect(page('40')).toBe(page('$n'));
    expect(page('40')).toBe(2 * page('20'));
    expect(costOf('{ bookings { edges { node { id } } } }')).toBe(page('20'));
  });
});

describe('over HTTP', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ worker: false });
  });
  afterAll(async () => {
    await platform?.stop();
  });
  const refusedForCost = { code: 'VALIDATION', limit: 'costLimit', maxCost: MAX };

  test('the console\'s booking list with timelines answers', async () => {
    const list = await platform.gql(BOOKING_LIST);
    expect(list.errors).toBeUndefined();
    expect(list.data).toHaveProperty('bookings.edges');
  });

  test('nested big pages, a huge first and first hidden in a variable are refused before anything runs', async () => {
    const nested = await platform.gql('{ bookings(first: 100) { edges { node { id ref timeline(first: 100) { edges { node { id eventType payload } } } } } } }');
    expect(nested.errors?.[0]).toMatchObject({ message: expect.stringMatching(new RegExp(`cost limit of ${MAX} exceeded, found \\d+`, 'i')), extensions: refusedForCost });
    expect(nested.data ?? undefined).toBeUndefined();
    const huge = await platform.gql('{ inquiries(first: 100000) { edges { node { id ref status subject } } } }');
    expect(huge.errors?.[0]?.extensions).toMatchObject(refusedForCost);
    const hidden = await platform.gql('query ($n: Int, $m: Int) { bookings(first: $n) { edges { node { timeline(first: $m) { edges { node { id payload } } } } } } }', { n: 100, m: 100 });
    expect(hidden.errors?.[0]?.extensions).toMatchObject(refusedForCost);
  });
});
