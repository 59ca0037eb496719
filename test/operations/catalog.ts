/** Model, client and directory operations for the role × operation matrix. */
import { countOf, type MatrixOperation } from '../support/role-matrix.ts';
import type { TestPlatform } from '../support/platform.ts';
import { asOwner, unique } from './users.ts';

type Vars = Record<string, unknown>;
const rows = (platform: TestPlatform, sql: string, params: unknown[]) => platform.orm.em.getConnection().execute(sql, params);

export async function freshModel(platform: TestPlatform): Promise<string> {
  const tag = unique();
  const data = await asOwner<{ createModel: { id: string } }>(platform,
    'mutation ($slug: String!, $code: String!) { createModel(input: { name: "Matrix model", slug: $slug, publicCode: $code }) { id } }',
    { slug: `matrix-${tag}`, code: `MATRIX-${tag.toUpperCase()}` });
  return data.createModel.id;
}

async function freshMedia(platform: TestPlatform, modelId: string): Promise<string> {
  const data = await asOwner<{ addModelMedia: { id: string } }>(platform,
    'mutation ($m: ID!) { addModelMedia(modelId: $m, input: { type: photo, storageKey: "k", url: "https://cdn.example.com/a.jpg" }) { id } }', { m: modelId });
  return data.addModelMedia.id;
}

async function freshClient(platform: TestPlatform): Promise<string> {
  const data = await asOwner<{ createClient: { id: string } }>(platform, 'mutation { createClient(input: { fullName: "Matrix client" }) { id } }');
  return data.createClient.id;
}

async function firstId(platform: TestPlatform, list: string): Promise<string> {
  const data = await asOwner<Record<string, { edges: Array<{ node: { id: string } }> }>>(platform, `{ ${list}(first: 1) { edges { node { id } } } }`);
  const id = data[list]?.edges[0]?.node.id;
  if (!id) throw new Error(`no ${list} to link`);
  return id;
}

const model = async (platform: TestPlatform) => ({ id: await freshModel(platform) });
const modelRow = (platform: TestPlatform, vars: Vars) => rows(platform, 'SELECT name, status, updated_at FROM models WHERE id = ?', [vars.id ?? vars.modelId]);
const mediaRows = (platform: TestPlatform, vars: Vars) =>
  rows(platform, 'SELECT id, url, sort_order FROM model_media WHERE model_id = ? ORDER BY id', [vars.modelId]);
const linkCounts = (platform: TestPlatform, vars: Vars) => rows(platform, `
  SELECT (SELECT count(*) FROM model_services WHERE model_id = ?)::int AS s, (SELECT count(*) FROM model_categories WHERE model_id = ?)::int AS c,
         (SELECT count(*) FROM model_attributes WHERE model_id = ?)::int AS a`, [vars.modelId, vars.modelId, vars.modelId]);

const MODEL_OPERATIONS: MatrixOperation[] = [
  { field: 'Query.models', permission: 'models.read', document: '{ models(first: 2, status: active) { edges { node { id media { id } services { id } } } } }' },
  {
    field: 'Query.modelMedia', permission: 'models.read',
    setup: async (platform) => { const modelId = await freshModel(platform); return { id: await freshMedia(platform, modelId) }; },
    document: 'query ($id: ID!) { modelMedia(id: $id) { id status contentType sizeBytes originalName error processedAt variants { width url } } }',
  },
  { field: 'Query.model', permission: 'models.read', setup: model, document: 'query ($id: ID!) { model(id: $id) { id primaryLocation { id } } }' },
  {
    field: 'Mutation.createModel', permission: 'models.write',
    setup: async () => { const tag = unique(); return { slug: `matrix-c-${tag}`, code: `MC-${tag.toUpperCase()}` }; },
    document: 'mutation ($slug: String!, $code: String!) { createModel(input: { name: "Matrix", slug: $slug, publicCode: $code }) { id } }',
    state: (platform) => countOf(platform, 'SELECT count(*) AS n FROM models'),
  },
  { field: 'Mutation.updateModel', permission: 'models.write', setup: model, state: modelRow, document: 'mutation ($id: ID!) { updateModel(id: $id, input: { name: "Renamed" }) { name } }' },
  {
    field: 'Mutation.updateModelStats', permission: 'models.write',
    setup: async (platform) => ({ modelId: await freshModel(platform) }),
    state: (platform, vars) => rows(platform, 'SELECT * FROM model_stats WHERE model_id = ?', [vars.modelId]),
    document: 'mutation ($modelId: ID!) { updateModelStats(modelId: $modelId, input: { age: 25, languages: ["English"] }) { stats { age } } }',
  },
  { field: 'Mutation.setModelStatus', permission: 'models.write', setup: model, state: modelRow, document: 'mutation ($id: ID!) { setModelStatus(id: $id, status: inactive) { status } }' },
  {
    field: 'Mutation.addModelMedia', permission: 'models.write', state: mediaRows,
    setup: async (platform) => ({ modelId: await freshModel(platform) }),
    document: 'mutation ($modelId: ID!) { addModelMedia(modelId: $modelId, input: { type: photo, storageKey: "m/1.jpg", url: "https://cdn.example.com/1.jpg" }) { id } }',
  },
  {
    field: 'Mutation.updateModelMedia', permission: 'models.write', state: mediaRows,
    setup: async (platform) => { const modelId = await freshModel(platform); return { modelId, id: await freshMedia(platform, modelId) }; },
    document: 'mutation ($id: ID!) { updateModelMedia(id: $id, input: { url: "https://cdn.example.com/2.jpg" }) { url } }',
  },
  {
    field: 'Mutation.removeModelMedia', permission: 'models.write', state: mediaRows,
    setup: async (platform) => { const modelId = await freshModel(platform); return { modelId, id: await freshMedia(platform, modelId) }; },
    document: 'mutation ($id: ID!) { removeModelMedia(id: $id) }',
  },
  {
    field: 'Mutation.reorderModelMedia', permission: 'models.write', state: mediaRows,
    setup: async (platform) => {
      const modelId = await freshModel(platform);
      const first = await freshMedia(platform, modelId);
      return { modelId, ids: [await freshMedia(platform, modelId), first] };
    },
    document: 'mutation ($modelId: ID!, $ids: [ID!]!) { reorderModelMedia(modelId: $modelId, mediaIds: $ids) { id sortOrder } }',
  },
  {
    field: 'Mutation.setModelServices', permission: 'models.write', state: linkCounts,
    setup: async (platform) => ({ modelId: await freshModel(platform), ids: [await firstId(platform, 'services')] }),
    document: 'mutation ($modelId: ID!, $ids: [ID!]!) { setModelServices(modelId: $modelId, serviceIds: $ids) { services { id } } }',
  },
  {
    field: 'Mutation.setModelServedLocations', permission: 'models.write',
    state: (platform, vars) => rows(platform, 'SELECT location_id FROM model_locations WHERE model_id = ?', [vars.modelId]),
    setup: async (platform) => ({ modelId: await freshModel(platform), ids: [await firstId(platform, 'locations')] }),
    document: 'mutation ($modelId: ID!, $ids: [ID!]!) { setModelServedLocations(modelId: $modelId, locationIds: $ids) { servedLocations { id } } }',
  },
  {
    field: 'Mutation.setModelCategories', permission: 'models.write', state: linkCounts,
    setup: async (platform) => ({ modelId: await freshModel(platform), ids: [await firstId(platform, 'categories')] }),
    document: 'mutation ($modelId: ID!, $ids: [ID!]!) { setModelCategories(modelId: $modelId, categoryIds: $ids) { categories { id } } }',
  },
  {
    field: 'Mutation.setModelAttributeValues', permission: 'models.write', state: linkCounts,
    setup: async (platform) => {
      const data = await asOwner<{ attributes: { edges: Array<{ node: { values: Array<{ id: string }> } }> } }>(platform, '{ attributes(first: 50) { edges { node { values { id } } } } }');
      const value = data.attributes.edges.flatMap((e) => e.node.values)[0];
      if (!value) throw new Error('no attribute value to link');
      return { modelId: await freshModel(platform), ids: [value.id] };
    },
    document: 'mutation ($modelId: ID!, $ids: [ID!]!) { setModelAttributeValues(modelId: $modelId, attributeValueIds: $ids) { attributeValues { id } } }',
  },
];

const CLIENT_OPERATIONS: MatrixOperation[] = [
  { field: 'Query.clients', permission: 'clients.read', document: '{ clients(first: 2, search: "a") { edges { node { id email phone totalPaid } } } }' },
  { field: 'Query.client', permission: 'clients.read', setup: async (platform) => ({ id: await freshClient(platform) }), document: 'query ($id: ID!) { client(id: $id) { id email } }' },
  {
    field: 'Mutation.createClient', permission: 'clients.write',
    document: 'mutation { createClient(input: { fullName: "Matrix", phone: "+447700900000" }) { id } }',
    state: (platform) => countOf(platform, 'SELECT count(*) AS n FROM clients'),
  },
  {
    field: 'Mutation.updateClient', permission: 'clients.write',
    setup: async (platform) => ({ id: await freshClient(platform) }),
    state: (platform, vars) => rows(platform, 'SELECT full_name, tags FROM clients WHERE id = ?', [vars.id]),
    document: 'mutation ($id: ID!) { updateClient(id: $id, input: { fullName: "Renamed", tags: ["vip"] }) { fullName } }',
  },
];

/** One directory kind: how to make a fresh row (as the owner) and the input of an update. */
interface DirectoryKind {
  readonly singular: string;
  readonly list: string;
  readonly table: string;
  readonly createInput: (tag: string) => Vars;
  readonly updateInput: string;
}

const KINDS: DirectoryKind[] = [
  { singular: 'Service', list: 'services', table: 'services', createInput: (t) => ({ title: `Matrix ${t}`, slug: `matrix-${t}` }), updateInput: '{ title: "Renamed" }' },
  { singular: 'Category', list: 'categories', table: 'categories', createInput: (t) => ({ title: `Matrix ${t}`, slug: `matrix-${t}` }), updateInput: '{ title: "Renamed", seoTitle: "x" }' },
  { singular: 'Attribute', list: 'attributes', table: 'attributes', createInput: (t) => ({ code: `matrix_${t}`, name: 'Matrix' }), updateInput: '{ name: "Renamed" }' },
  { singular: 'Location', list: 'locations', table: 'locations', createInput: (t) => ({ title: `Matrix ${t}`, slug: `matrix-${t}` }), updateInput: '{ title: "Renamed", latitude: 51.5 }' },
  { singular: 'CallRate', list: 'callRates', table: 'call_rates', createInput: () => ({ durationMinutes: 90, price: '410.00' }), updateInput: '{ price: "420.00" }' },
];

async function freshRow(platform: TestPlatform, kind: DirectoryKind): Promise<string> {
  const data = await asOwner<Record<string, { id: string }>>(platform,
    `mutation ($input: ${kind.singular}Input!) { create${kind.singular}(input: $input) { id } }`, { input: kind.createInput(unique()) });
  return (data[`create${kind.singular}`] as { id: string }).id;
}

async function freshAttributeValue(platform: TestPlatform): Promise<{ id: string; attributeId: string }> {
  const attributeId = await freshRow(platform, KINDS[2]!);
  const data = await asOwner<{ createAttributeValue: { id: string } }>(platform,
    'mutation ($a: ID!) { createAttributeValue(attributeId: $a, input: { value: "Matrix" }) { id } }', { a: attributeId });
  return { id: data.createAttributeValue.id, attributeId };
}

const DIRECTORY_OPERATIONS: MatrixOperation[] = [
  ...KINDS.flatMap((kind): MatrixOperation[] => {
    const rowOf = (platform: TestPlatform, vars: Vars) => rows(platform, `SELECT * FROM ${kind.table} WHERE id = ?`, [vars.id]);
    return [
      { field: `Query.${kind.list}`, permission: 'directories.read', document: `{ ${kind.list}(first: 2, status: active) { edges { cursor node { id } } pageInfo { hasNextPage } } }` },
      {
        field: `Mutation.create${kind.singular}`, permission: 'directories.write',
        setup: async () => ({ input: kind.createInput(unique()) }),
        document: `mutation ($input: ${kind.singular}Input!) { create${kind.singular}(input: $input) { id } }`,
        state: (platform) => countOf(platform, `SELECT count(*) AS n FROM ${kind.table}`),
      },
      {
        field: `Mutation.update${kind.singular}`, permission: 'directories.write', state: rowOf,
        setup: async (platform) => ({ id: await freshRow(platform, kind) }),
        document: `mutation ($id: ID!) { update${kind.singular}(id: $id, input: ${kind.updateInput}) { id } }`,
      },
      {
        field: `Mutation.delete${kind.singular}`, permission: 'directories.write', state: rowOf,
        setup: async (platform) => ({ id: await freshRow(platform, kind) }),
        document: `mutation ($id: ID!) { delete${kind.singular}(id: $id) }`,
      },
    ];
  }),
  {
    field: 'Mutation.createAttributeValue', permission: 'directories.write',
    setup: async (platform) => ({ a: await freshRow(platform, KINDS[2]!) }),
    state: (platform, vars) => countOf(platform, 'SELECT count(*) AS n FROM attribute_values WHERE attribute_id = ?', [vars.a]),
    document: 'mutation ($a: ID!) { createAttributeValue(attributeId: $a, input: { value: "Green", sortOrder: 3 }) { id attributeId } }',
  },
  {
    field: 'Mutation.updateAttributeValue', permission: 'directories.write',
    setup: freshAttributeValue,
    state: (platform, vars) => rows(platform, 'SELECT * FROM attribute_values WHERE id = ?', [vars.id]),
    document: 'mutation ($id: ID!) { updateAttributeValue(id: $id, input: { value: "Renamed" }) { value } }',
  },
  {
    field: 'Mutation.deleteAttributeValue', permission: 'directories.write',
    setup: freshAttributeValue,
    state: (platform, vars) => rows(platform, 'SELECT * FROM attribute_values WHERE id = ?', [vars.id]),
    document: 'mutation ($id: ID!) { deleteAttributeValue(id: $id) }',
  },
];

export const CATALOG_OPERATIONS: MatrixOperation[] = [...MODEL_OPERATIONS, ...CLIENT_OPERATIONS, ...DIRECTORY_OPERATIONS];
