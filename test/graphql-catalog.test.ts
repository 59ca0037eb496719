/**
 * The catalogue through the real API over HTTP: models (CRUD, status, media metadata, links,
 * filters), clients (CRUD, masking, finance field, search that cannot spell out masked
 * contacts) and directories (CRUD, duplicates, delete refused while in use, archive, keyset
 * pagination); every write audited, every bad input changing nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { bearer, startTestPlatform, type GraphQLResponse, type TestPlatform } from './support/platform.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ worker: false });
});
afterAll(async () => {
  await platform?.stop();
});

const tag = () => randomUUID().slice(0, 8);
const count = async (query: string, params: unknown[] = []) => Number((await platform.sql<{ n: number }>(query, params))[0]?.n);
const codeOf = (result: GraphQLResponse<unknown>) => result.errors?.[0]?.extensions;
const actionsOf = async (entityId: string) => (await platform.sql<{ action: string }>('SELECT action FROM audit_log WHERE entity_id = ? ORDER BY created_at, id', [entityId])).map((a) => a.action);

async function ok<T>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<T> {
  const result = await platform.gql<T>(query, variables, headers);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data as T;
}

interface ModelNode {
  id: string; slug: string; publicCode: string; name: string; status: string; visibility: string; ratingInternal: number | null;
  primaryLocation: { id: string; slug: string } | null;
}
const MODEL_FIELDS = 'id slug publicCode name status visibility ratingInternal primaryLocation { id slug }';

async function createModel(extra: Record<string, unknown> = {}) {
  const t = tag();
  return platform.gql<{ createModel: ModelNode }>(`mutation ($input: CreateModelInput!) { createModel(input: $input) { ${MODEL_FIELDS} } }`, {
    input: { name: `Model ${t}`, slug: `model-${t}`, publicCode: `M-${t.toUpperCase()}`, ...extra },
  });
}

async function firstLocation() {
  return (await ok<{ locations: { edges: Array<{ node: { id: string; slug: string } }> } }>('{ locations(first: 1, search: "mayfair") { edges { node { id slug } } } }')).locations.edges[0]!.node;
}

describe('models', () => {
  test('create, read by id and by slug, update; audited with before and after', async () => {
    const mayfair = await firstLocation();
    const created = await createModel({ primaryLocationId: mayfair.id, ratingInternal: 4.25, visibility: 'unlisted', notesInternal: 'prefers evenings' });
    expect(created.errors).toBeUndefined();
    const model = created.data!.createModel;
    expect(model).toMatchObject({ status: 'active', visibility: 'unlisted', ratingInternal: 4.25, primaryLocation: mayfair });

    const byId = await ok<{ model: ModelNode }>(`query ($id: ID) { model(id: $id) { ${MODEL_FIELDS} } }`, { id: model.id });
    const bySlug = await ok<{ model: ModelNode }>(`query ($slug: String) { model(slug: $slug) { ${MODEL_FIELDS} } }`, { slug: model.slug });
    expect(byId.model).toEqual(model);
    expect(bySlug.model).toEqual(model);
    expect(codeOf(await platform.gql('{ model { id } }'))).toMatchObject({ code: 'VALIDATION' });

    const updated = await ok<{ updateModel: ModelNode }>(`mutation ($id: ID!) { updateModel(id: $id, input: { name: "Renamed", primaryLocationId: null, ratingInternal: null }) { ${MODEL_FIELDS} } }`, { id: model.id });
    expect(updated.updateModel).toMatchObject({ name: 'Renamed', primaryLocation: null, ratingInternal: null, slug: model.slug, visibility: 'unlisted' });
    const [audit] = await platform.sql<{ before: Record<string, unknown>; after: Record<string, unknown> }>(`SELECT before, after FROM audit_log WHERE entity_id = ? AND action = 'UPDATE'`, [model.id]);
    expect(audit!.before).toMatchObject({ name: model.name, primaryLocationId: mayfair.id });
    expect(audit!.after).toMatchObject({ name: 'Renamed', primaryLocationId: null });
    expect(codeOf(await platform.gql(`mutation { updateModel(id: "${randomUUID()}", input: { name: "x" }) { id } }`))).toMatchObject({ code: 'NOT_FOUND' });
  });

  test('duplicate slug or public code is CONFLICT; invalid input is VALIDATION naming the field; neither changes anything', async () => {
    const model = (await createModel()).data!.createModel;
    // Every refused model carries this test's name: "nothing" is counted by it, not over the whole table.
    const name = `X ${tag()}`;
    const refused = () => count('SELECT count(*)::int AS n FROM models WHERE name = ?', [name]);
    const sameSlug = await platform.gql('mutation ($n: String!, $s: String!) { createModel(input: { name: $n, slug: $s, publicCode: "OTHER-CODE-1" }) { id } }', { n: name, s: model.slug });
    expect(codeOf(sameSlug)).toMatchObject({ code: 'CONFLICT', field: 'slug' });
    const sameCode = await platform.gql('mutation ($n: String!, $c: String!) { createModel(input: { name: $n, slug: "other-slug-1", publicCode: $c }) { id } }', { n: name, c: model.publicCode.toLowerCase() });
    expect(codeOf(sameCode)).toMatchObject({ code: 'CONFLICT', field: 'publicCode' });
    expect(codeOf(await platform.gql('mutation ($n: String!) { createModel(input: { name: $n, slug: "Not A Slug", publicCode: "X-1" }) { id } }', { n: name }))).toMatchObject({ code: 'VALIDATION', field: 'slug' });
    expect(codeOf(await platform.gql('mutation ($n: String!) { createModel(input: { name: $n, slug: "fine-slug-x", publicCode: "X-2", ratingInternal: 7 }) { id } }', { n: name }))).toMatchObject({ code: 'VALIDATION', field: 'ratingInternal' });
    const noLocation = await platform.gql(`mutation ($n: String!) { createModel(input: { name: $n, slug: "fine-slug-y", publicCode: "X-3", primaryLocationId: "${randomUUID()}" }) { id } }`, { n: name });
    expect(codeOf(noLocation)).toMatchObject({ code: 'VALIDATION', field: 'primaryLocationId' });
    expect(await refused()).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM models WHERE slug = ? OR public_code = ?', [model.slug, model.publicCode])).toBe(1);

    const other = (await createModel()).data!.createModel;
    const clash = await platform.gql('mutation ($id: ID!, $s: String!) { updateModel(id: $id, input: { slug: $s }) { id } }', { id: other.id, s: model.slug });
    expect(codeOf(clash)).toMatchObject({ code: 'CONFLICT', field: 'slug' });
    expect((await platform.sql('SELECT slug FROM models WHERE id = ?', [other.id]))[0]).toEqual({ slug: other.slug });
  });

  test('setModelStatus writes the status directly, audited with the reason; a bad status changes nothing', async () => {
    const model = (await createModel()).data!.createModel;
    const suspended = await ok<{ setModelStatus: ModelNode }>('mutation ($id: ID!) { setModelStatus(id: $id, status: suspended, reason: "paperwork") { status } }', { id: model.id });
    expect(suspended.setModelStatus.status).toBe('suspended');
    const [audit] = await platform.sql<{ before: unknown; after: unknown; metadata: unknown }>(`SELECT before, after, metadata FROM audit_log WHERE entity_id = ? AND action = 'STATUS_CHANGE'`, [model.id]);
    expect(audit).toEqual({ before: { status: 'active' }, after: { status: 'suspended' }, metadata: { reason: 'paperwork' } });
    // Not a model status: refused by the schema itself, before any resolver runs.
    expect(codeOf(await platform.gql('mutation ($id: ID!) { setModelStatus(id: $id, status: retired) { status } }', { id: model.id }))?.code).toBe('VALIDATION');
    expect((await platform.sql('SELECT status FROM models WHERE id = ?', [model.id]))[0]).toEqual({ status: 'suspended' });
  });

  test('stats: first set creates them, later updates change only the given fields, null clears; bad values change nothing', async () => {
    const model = (await createModel()).data!.createModel;
    const STATS = 'stats { age height bustType smokingStatus hairColour languages uniforms }';
    expect((await ok<{ model: { stats: unknown } }>('query ($id: ID) { model(id: $id) { stats { age } } }', { id: model.id })).model.stats).toBeNull();
    const first = await ok<{ updateModelStats: { stats: Record<string, unknown> } }>(
      `mutation ($id: ID!) { updateModelStats(modelId: $id, input: { age: 26, height: 170, bustType: "natural", hairColour: "Brunette", languages: ["English", "Italian"] }) { ${STATS} } }`, { id: model.id });
    expect(first.updateModelStats.stats).toEqual({ age: 26, height: 170, bustType: 'natural', smokingStatus: null, hairColour: 'Brunette', languages: ['English', 'Italian'], uniforms: [] });
    const second = await ok<{ updateModelStats: { stats: Record<string, unknown> } }>(
      `mutation ($id: ID!) { updateModelStats(modelId: $id, input: { smokingStatus: "non-smoker", hairColour: null }) { ${STATS} } }`, { id: model.id });
    expect(second.updateModelStats.stats).toMatchObject({ age: 26, smokingStatus: 'non-smoker', hairColour: null, languages: ['English', 'Italian'] });
    const bad = await platform.gql('mutation ($id: ID!) { updateModelStats(modelId: $id, input: { age: 12, bustType: "other" }) { id } }', { id: model.id });
    expect(codeOf(bad)).toMatchObject({ code: 'VALIDATION', field: 'age' });
    expect((await platform.sql('SELECT age, bust_type FROM model_stats WHERE model_id = ?', [model.id]))[0]).toEqual({ age: 26, bust_type: 'natural' });
    const audits = await platform.sql<{ before: Record<string, unknown> | null; after: Record<string, unknown> }>(`SELECT before, after FROM audit_log WHERE entity_id = ? AND action = 'STATS_UPDATE' ORDER BY created_at`, [model.id]);
    expect(audits.map((a) => [a.before?.hairColour ?? null, a.after.hairColour])).toEqual([[null, 'Brunette'], ['Brunette', null]]);
  });

  test('media metadata: add in order, one primary, update, reorder (all ids once), remove; each audited on the model', async () => {
    const model = (await createModel()).data!.createModel;
    const add = async (input: string) => (await ok<{ addModelMedia: { id: string; sortOrder: number; isPrimary: boolean } }>(
      `mutation ($m: ID!) { addModelMedia(modelId: $m, input: ${input}) { id sortOrder isPrimary } }`, { m: model.id })).addModelMedia;
    const a = await add('{ type: photo, storageKey: "m/a.jpg", url: "https://cdn.example.com/a.jpg", isPrimary: true }');
    const b = await add('{ type: photo, storageKey: "m/b.jpg", url: "https://cdn.example.com/b.jpg" }');
    const c = await add('{ type: video, storageKey: "m/c.mp4", url: "https://cdn.example.com/c.mp4", isPublic: false }');
    expect([a.sortOrder, b.sortOrder, c.sortOrder]).toEqual([0, 1, 2]);
    expect(codeOf(await platform.gql('mutation ($m: ID!) { addModelMedia(modelId: $m, input: { type: photo, storageKey: "k", url: "javascript:alert(1)" }) { id } }', { m: model.id }))).toMatchObject({ code: 'VALIDATION', field: 'url' });

    await ok('mutation ($id: ID!) { updateModelMedia(id: $id, input: { isPrimary: true, url: "https://cdn.example.com/b2.jpg" }) { id } }', { id: b.id });
    const media = async () => (await ok<{ model: { media: Array<{ id: string; isPrimary: boolean; url: string; sortOrder: number; isPublic: boolean }> } }>(
      'query ($id: ID) { model(id: $id) { media { id isPrimary isPublic url sortOrder } } }', { id: model.id })).model.media;
    expect((await media()).map((m) => [m.id, m.isPrimary])).toEqual([[a.id, false], [b.id, true], [c.id, false]]);
    expect((await media())[1]!.url).toBe('https://cdn.example.com/b2.jpg');

    const reordered = await ok<{ reorderModelMedia: Array<{ id: string; sortOrder: number }> }>('mutation ($m: ID!, $ids: [ID!]!) { reorderModelMedia(modelId: $m, mediaIds: $ids) { id sortOrder } }', { m: model.id, ids: [c.id, a.id, b.id] });
    expect(reordered.reorderModelMedia).toEqual([{ id: c.id, sortOrder: 0 }, { id: a.id, sortOrder: 1 }, { id: b.id, sortOrder: 2 }]);
    const partial = await platform.gql('mutation ($m: ID!, $ids: [ID!]!) { reorderModelMedia(modelId: $m, mediaIds: $ids) { id } }', { m: model.id, ids: [a.id, b.id] });
    expect(codeOf(partial)).toMatchObject({ code: 'VALIDATION', field: 'mediaIds' });
    expect((await media()).map((m) => m.id)).toEqual([c.id, a.id, b.id]);

    expect((await ok<{ removeModelMedia: string }>('mutation ($id: ID!) { removeModelMedia(id: $id) }', { id: a.id })).removeModelMedia).toBe(a.id);
    expect((await media()).map((m) => m.id)).toEqual([c.id, b.id]);
    expect(codeOf(await platform.gql('mutation ($id: ID!) { removeModelMedia(id: $id) }', { id: a.id }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await actionsOf(model.id)).toEqual(['CREATE', 'MEDIA_ADD', 'MEDIA_ADD', 'MEDIA_ADD', 'MEDIA_UPDATE', 'MEDIA_REORDER', 'MEDIA_REMOVE']);
  });

  test('links to services, categories and attribute values; filters and search find models by them', async () => {
    const model = (await createModel({ status: 'inactive' })).data!.createModel;
    const service = (await ok<{ createService: { id: string } }>(`mutation { createService(input: { title: "Opera night", slug: "opera-${tag()}" }) { id } }`)).createService;
    const category = (await ok<{ createCategory: { id: string } }>(`mutation { createCategory(input: { title: "Linked", slug: "linked-${tag()}" }) { id } }`)).createCategory;
    const attribute = (await ok<{ createAttribute: { id: string } }>(`mutation { createAttribute(input: { code: "eyes_${tag()}", name: "Eyes" }) { id } }`)).createAttribute;
    const value = (await ok<{ createAttributeValue: { id: string } }>('mutation ($a: ID!) { createAttributeValue(attributeId: $a, input: { value: "Green" }) { id } }', { a: attribute.id })).createAttributeValue;

    await ok('mutation ($m: ID!, $ids: [ID!]!) { setModelServices(modelId: $m, serviceIds: $ids) { id } }', { m: model.id, ids: [service.id] });
    await ok('mutation ($m: ID!, $ids: [ID!]!) { setModelCategories(modelId: $m, categoryIds: $ids) { id } }', { m: model.id, ids: [category.id] });
    const linked = await ok<{ setModelAttributeValues: { services: Array<{ id: string }>; categories: Array<{ id: string }>; attributeValues: Array<{ id: string; attributeId: string }> } }>(
      'mutation ($m: ID!, $ids: [ID!]!) { setModelAttributeValues(modelId: $m, attributeValueIds: $ids) { services { id } categories { id } attributeValues { id attributeId } } }', { m: model.id, ids: [value.id] });
    expect(linked.setModelAttributeValues).toEqual({ services: [service], categories: [category], attributeValues: [{ id: value.id, attributeId: attribute.id }] });
    const unknown = await platform.gql('mutation ($m: ID!, $ids: [ID!]!) { setModelServices(modelId: $m, serviceIds: $ids) { id } }', { m: model.id, ids: [randomUUID()] });
    expect(codeOf(unknown)).toMatchObject({ code: 'VALIDATION', field: 'serviceIds' });
    expect(await count('SELECT count(*)::int AS n FROM model_services WHERE model_id = ?', [model.id])).toBe(1);

    const find = async (args: string) => (await ok<{ models: { edges: Array<{ node: { id: string } }> } }>(`{ models(first: 100, ${args}) { edges { node { id } } } }`)).models.edges.map((e) => e.node.id);
    expect(await find(`serviceId: "${service.id}"`)).toEqual([model.id]);
    expect(await find(`categoryId: "${category.id}", status: inactive`)).toEqual([model.id]);
    expect(await find(`categoryId: "${category.id}", status: active`)).toEqual([]);
    expect(await find(`search: "${model.publicCode.toLowerCase()}"`)).toEqual([model.id]);
    expect(await find(`search: "${model.slug}", status: inactive`)).toEqual([model.id]);
    expect((await actionsOf(model.id)).filter((a) => a === 'LINKS_CHANGE')).toHaveLength(3);
  });

  test('cursor pagination over models: every match once', async () => {
    const prefix = `paged-${tag()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await ok<{ createModel: { id: string } }>(`mutation { createModel(input: { name: "P${i}", slug: "${prefix}-${i}", publicCode: "${prefix.toUpperCase()}-${i}" }) { id } }`)).createModel.id);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: { models: { edges: Array<{ node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } =
        await ok('query ($a: String, $s: String) { models(first: 2, after: $a, search: $s) { edges { node { id } } pageInfo { hasNextPage endCursor } } }', { a: after, s: prefix });
      seen.push(...page.models.edges.map((e) => e.node.id));
      after = page.models.pageInfo.hasNextPage ? page.models.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(5);
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  test('content managers edit models but not clients; operators read models but cannot edit them', async () => {
    const model = (await createModel()).data!.createModel;
    const content = bearer(await platform.tokenOf('CONTENT_MANAGER'));
    expect((await platform.gql('mutation ($id: ID!) { updateModel(id: $id, input: { name: "By content" }) { name } }', { id: model.id }, content)).errors).toBeUndefined();
    expect(codeOf(await platform.gql('{ clients(first: 1) { edges { cursor } } }', undefined, content))).toMatchObject({ code: 'FORBIDDEN' });
    const operator = bearer(await platform.tokenOf('OPERATOR'));
    expect(codeOf(await platform.gql('mutation ($id: ID!) { setModelStatus(id: $id, status: inactive) { status } }', { id: model.id }, operator))).toMatchObject({ code: 'FORBIDDEN' });
    expect((await platform.sql('SELECT status, name FROM models WHERE id = ?', [model.id]))[0]).toEqual({ status: 'active', name: 'By content' });
  });

  test('the profile status is a state machine: a suspension needs a reason, an inactive profile is reactivated first', async () => {
    const model = (await createModel()).data!.createModel;
    const SET = 'mutation ($id: ID!, $status: ModelStatus!, $reason: String) { setModelStatus(id: $id, status: $status, reason: $reason) { status } }';
    expect(codeOf(await platform.gql(SET, { id: model.id, status: 'suspended' }))).toMatchObject({ code: 'VALIDATION', field: 'reason' });
    expect((await platform.gql(SET, { id: model.id, status: 'inactive', reason: 'on a break' })).errors).toBeUndefined();
    expect(codeOf(await platform.gql(SET, { id: model.id, status: 'suspended', reason: 'complaint' }))).toMatchObject({ code: 'INVALID_TRANSITION', from: 'inactive', to: 'suspended', allowed: ['active'] });
    expect((await platform.sql('SELECT status FROM models WHERE id = ?', [model.id]))[0]).toEqual({ status: 'inactive' });
    const actions = await platform.sql<{ after: unknown }>(`SELECT after FROM audit_log WHERE entity_id = ? AND action = 'STATUS_CHANGE' ORDER BY created_at`, [model.id]);
    expect(actions.map((a) => a.after)).toEqual([{ status: 'inactive' }]);
  });

  test('internal notes and rating are hidden from Content Managers, who cannot set them either', async () => {
    const model = (await createModel({ ratingInternal: 4.5, notesInternal: 'prefers evenings' })).data!.createModel;
    const content = bearer(await platform.tokenOf('CONTENT_MANAGER'));
    const READ = 'query ($id: ID) { model(id: $id) { name ratingInternal notesInternal } }';
    expect((await platform.gql<{ model: unknown }>(READ, { id: model.id }, content)).data?.model).toEqual({ name: model.name, ratingInternal: null, notesInternal: null });
    expect((await platform.gql<{ model: unknown }>(READ, { id: model.id })).data?.model).toEqual({ name: model.name, ratingInternal: 4.5, notesInternal: 'prefers evenings' });
    const operator = bearer(await platform.tokenOf('OPERATOR'));
    expect((await platform.gql<{ model: unknown }>(READ, { id: model.id }, operator)).data?.model).toMatchObject({ ratingInternal: 4.5 });
    for (const input of ['{ notesInternal: "by content" }', '{ ratingInternal: 1 }', '{ notesInternal: null }']) {
      expect(codeOf(await platform.gql(`mutation ($id: ID!) { updateModel(id: $id, input: ${input}) { name } }`, { id: model.id }, content))).toMatchObject({ code: 'FORBIDDEN', permission: 'models.internal' });
    }
    const t = tag();
    expect(codeOf(await platform.gql(`mutation { createModel(input: { name: "CM ${t}", slug: "cm-${t}", publicCode: "CM-${t.toUpperCase()}", notesInternal: "x" }) { id } }`, undefined, content)))
      .toMatchObject({ code: 'FORBIDDEN', permission: 'models.internal' });
    expect((await platform.sql('SELECT rating_internal, notes_internal FROM models WHERE id = ?', [model.id]))[0]).toEqual({ rating_internal: '4.50', notes_internal: 'prefers evenings' });
    expect(await platform.sql('SELECT id FROM models WHERE slug = ?', [`cm-${t}`])).toEqual([]);
  });

  test('served districts and the buffer are part of the profile', async () => {
    const model = (await createModel()).data!.createModel;
    const mayfair = await firstLocation();
    const served = await ok<{ setModelServedLocations: { servedLocations: Array<{ id: string }> } }>(
      'mutation ($id: ID!, $ids: [ID!]!) { setModelServedLocations(modelId: $id, locationIds: $ids) { servedLocations { id } } }', { id: model.id, ids: [mayfair.id] });
    expect(served.setModelServedLocations.servedLocations).toEqual([{ id: mayfair.id }]);
    const buffered = await ok<{ updateModel: { bufferMinutes: number } }>('mutation ($id: ID!) { updateModel(id: $id, input: { bufferMinutes: 45 }) { bufferMinutes } }', { id: model.id });
    expect(buffered.updateModel.bufferMinutes).toBe(45);
    expect(codeOf(await platform.gql('mutation ($id: ID!) { updateModel(id: $id, input: { bufferMinutes: 5000 }) { bufferMinutes } }', { id: model.id }))).toMatchObject({ code: 'VALIDATION', field: 'bufferMinutes' });
  });
});

interface ClientNode { id: string; fullName: string | null; email: string | null; phone: string | null; tags: string[]; preferredChannel: string | null; totalPaid: string | null }
const CLIENT_FIELDS = 'id fullName email phone tags preferredChannel totalPaid';

describe('clients', () => {
  test('one client per email, enforced by the database: concurrent creates give one client, the rest CONFLICT', async () => {
    const email = `race-${tag()}@example.com`;
    const attempts = await Promise.all(Array.from({ length: 5 }, () =>
      platform.gql<{ createClient: { id: string } }>('mutation ($e: String) { createClient(input: { fullName: "Race", email: $e }) { id } }', { e: email })));
    expect(attempts.filter((a) => a.data?.createClient)).toHaveLength(1);
    const refused = attempts.filter((a) => a.errors);
    expect(refused).toHaveLength(4);
    for (const attempt of refused) expect(attempt.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'email' });
  });

  test('create, read, update; masked for operators and read-only users; totalPaid only with payments.read; audited', async () => {
    const email = `olivia.hart-${tag()}@example.com`;
    const created = await ok<{ createClient: ClientNode }>(`mutation ($e: String) { createClient(input: { fullName: "Olivia Hart", email: $e, phone: "+447700900888", preferredChannel: telegram, tags: ["VIP", "vip", "regular"] }) { ${CLIENT_FIELDS} } }`, { e: email });
    const client = created.createClient;
    expect(client).toMatchObject({ fullName: 'Olivia Hart', email, phone: '+447700900888', tags: ['vip', 'regular'], preferredChannel: 'telegram', totalPaid: '0.00' });

    const updated = await ok<{ updateClient: ClientNode }>(`mutation ($id: ID!) { updateClient(id: $id, input: { phone: null, tags: ["blacklist"] }) { ${CLIENT_FIELDS} } }`, { id: client.id });
    expect(updated.updateClient).toMatchObject({ fullName: 'Olivia Hart', email, phone: null, tags: ['blacklist'] });
    await ok('mutation ($id: ID!) { updateClient(id: $id, input: { phone: "+447700900999" }) { id } }', { id: client.id });

    // Read-only users see finance fields (every read but pii.read); operators do not.
    for (const [role, totalPaid] of [['OPERATOR', null], ['READ_ONLY', '0.00']]) {
      const seen = await ok<{ client: ClientNode }>(`query ($id: ID!) { client(id: $id) { ${CLIENT_FIELDS} } }`, { id: client.id }, bearer(await platform.tokenOf(role as string)));
      expect(seen.client).toMatchObject({ email: `ol***@example.com`, phone: '+447700***999', fullName: 'Olivia Hart', totalPaid });
    }
    const finance = await ok<{ client: ClientNode }>(`query ($id: ID!) { client(id: $id) { ${CLIENT_FIELDS} } }`, { id: client.id }, bearer(await platform.tokenOf('FINANCE')));
    // Finance holds payments.read but not pii.read.
    expect(finance.client).toMatchObject({ email: 'ol***@example.com', totalPaid: '0.00' });
    // Paid = succeeded payments less succeeded refunds; failed ones do not count.
    const [booking] = await platform.sql<{ id: string }>(`
      INSERT INTO bookings (ref, client_id, model_id, location_id, start_at, end_at, price_total)
      SELECT ?, ?, (SELECT id FROM models LIMIT 1), (SELECT id FROM locations LIMIT 1), now() + interval '1 day', now() + interval '26 hours', 400
      RETURNING id`, [`B-T${tag()}`, client.id]);
    try {
      for (const [type, status, amount] of [['deposit', 'succeeded', 100], ['full', 'succeeded', 300], ['refund', 'succeeded', 50], ['full', 'failed', 999]]) {
        await platform.sql('INSERT INTO payments (booking_id, provider, type, status, amount) VALUES (?, ?, ?, ?, ?)', [booking!.id, 'stripe', type, status, amount]);
      }
      const paid = await ok<{ client: ClientNode }>('query ($id: ID!) { client(id: $id) { totalPaid } }', { id: client.id });
      expect(paid.client.totalPaid).toBe('350.00');
    } finally {
      // A booking without its workflow must not linger for suites that list bookings.
      await platform.sql('DELETE FROM payments WHERE booking_id = ?', [booking!.id]);
      await platform.sql('DELETE FROM bookings WHERE id = ?', [booking!.id]);
    }
    const listed = await ok<{ clients: { edges: Array<{ node: ClientNode }> } }>(`query ($s: String) { clients(first: 5, search: $s) { edges { node { ${CLIENT_FIELDS} } } } }`, { s: 'Olivia Hart' }, bearer(await platform.tokenOf('OPERATOR')));
    expect(listed.clients.edges.find((e) => e.node.id === client.id)?.node.email).toBe('ol***@example.com');

    const [audit] = await platform.sql<{ before: Record<string, unknown>; after: Record<string, unknown> }>(`SELECT before, after FROM audit_log WHERE entity_id = ? AND action = 'UPDATE' ORDER BY created_at LIMIT 1`, [client.id]);
    expect(audit).toMatchObject({ before: { phone: '+447700900888', tags: ['vip', 'regular'] }, after: { phone: null, tags: ['blacklist'] } });
    expect(await actionsOf(client.id)).toEqual(['CREATE', 'UPDATE', 'UPDATE']);
  });

  test('search: full text for pii.read holders; without it, partial contacts find nothing but full ones do', async () => {
    const email = `search.me-${tag()}@example.net`;
    const client = (await ok<{ createClient: { id: string; phone: string } }>('mutation ($e: String) { createClient(input: { fullName: "Searchable Person", email: $e, phone: "+44 7700-911222" }) { id phone } }', { e: email })).createClient;
    expect(client.phone).toBe('+447700911222');
    const ids = async (search: string, role?: string) => (await ok<{ clients: { edges: Array<{ node: { id: string } }> } }>(
      'query ($s: String) { clients(first: 100, search: $s) { edges { node { id } } } }', { s: search }, role ? bearer(await platform.tokenOf(role)) : undefined)).clients.edges.map((e) => e.node.id);
    expect(await ids(email.slice(0, 14))).toContain(client.id);
    expect(await ids('911222')).toContain(client.id);
    expect(await ids(email.slice(0, 14), 'OPERATOR')).not.toContain(client.id);
    expect(await ids('911222', 'OPERATOR')).not.toContain(client.id);
    expect(await ids(email.toUpperCase(), 'OPERATOR')).toContain(client.id);
    expect(await ids('+44 7700 911222', 'READ_ONLY')).toContain(client.id);
    expect(await ids('searchable pers', 'OPERATOR')).toContain(client.id);
    const tagged = await ok<{ clients: { edges: Array<{ node: { id: string } }> } }>('{ clients(first: 100, tag: "vip", preferredChannel: whatsapp) { edges { node { id fullName } } } }');
    expect(tagged.clients.edges.length).toBeGreaterThanOrEqual(1);
  });

  test('duplicate email is CONFLICT; a client without name, email and phone, or a bad email, is VALIDATION; nothing changes', async () => {
    const email = `dupe-${tag()}@example.com`;
    const first = (await ok<{ createClient: { id: string } }>('mutation ($e: String) { createClient(input: { email: $e }) { id } }', { e: email })).createClient;
    // The refused inputs carry this test's own name or tag: clients are counted by them and the email
    // (intake links clients meanwhile, so not over the whole table).
    const mark = tag();
    const clients = () => count(`SELECT count(*)::int AS n FROM clients WHERE lower(email) = ? OR full_name = ? OR ? = ANY(tags)`, [email, `Bad ${mark}`, `bad-${mark}`]);
    expect(await clients()).toBe(1);
    expect(codeOf(await platform.gql('mutation ($e: String) { createClient(input: { email: $e }) { id } }', { e: email.toUpperCase() }))).toMatchObject({ code: 'CONFLICT', field: 'email' });
    expect(codeOf(await platform.gql('mutation ($t: String!) { createClient(input: { tags: [$t] }) { id } }', { t: `bad-${mark}` }))).toMatchObject({ code: 'VALIDATION', field: 'fullName' });
    expect(codeOf(await platform.gql('mutation ($n: String) { createClient(input: { fullName: $n, email: "nope" }) { id } }', { n: `Bad ${mark}` }))).toMatchObject({ code: 'VALIDATION', field: 'email' });
    expect(codeOf(await platform.gql('mutation ($n: String) { createClient(input: { fullName: $n, phone: "call me" }) { id } }', { n: `Bad ${mark}` }))).toMatchObject({ code: 'VALIDATION', field: 'phone' });
    expect(await clients()).toBe(1);
    const clear = await platform.gql('mutation ($id: ID!) { updateClient(id: $id, input: { email: null }) { id } }', { id: first.id });
    expect(codeOf(clear)).toMatchObject({ code: 'VALIDATION', field: 'fullName' });
    expect((await platform.sql('SELECT email FROM clients WHERE id = ?', [first.id]))[0]).toEqual({ email });
    expect(codeOf(await platform.gql(`mutation { updateClient(id: "${randomUUID()}", input: { fullName: "x" }) { id } }`))).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('directories', () => {
  test('services: create, duplicate slug CONFLICT, update, delete refused while a model uses it, archive instead; all audited', async () => {
    const slug = `svc-${tag()}`;
    const service = (await ok<{ createService: { id: string; status: string; isPopular: boolean } }>(`mutation { createService(input: { title: "Gala", slug: "${slug}", isPopular: true }) { id status isPopular } }`)).createService;
    expect(service).toMatchObject({ status: 'active', isPopular: true });
    expect(codeOf(await platform.gql(`mutation { createService(input: { title: "Gala 2", slug: "${slug}" }) { id } }`))).toMatchObject({ code: 'CONFLICT', field: 'slug' });
    expect(codeOf(await platform.gql('mutation { createService(input: { slug: "no-title" }) { id } }'))).toMatchObject({ code: 'VALIDATION', field: 'title' });

    const model = (await createModel()).data!.createModel;
    await ok('mutation ($m: ID!, $ids: [ID!]!) { setModelServices(modelId: $m, serviceIds: $ids) { id } }', { m: model.id, ids: [service.id] });
    const refused = await platform.gql('mutation ($id: ID!) { deleteService(id: $id) }', { id: service.id });
    expect(codeOf(refused)).toMatchObject({ code: 'CONFLICT' });
    expect(refused.errors?.[0]?.message).toMatch(/model_services/);
    expect(await count('SELECT count(*)::int AS n FROM services WHERE id = ?', [service.id])).toBe(1);

    const archived = await ok<{ updateService: { status: string; title: string } }>('mutation ($id: ID!) { updateService(id: $id, input: { status: archived, title: "Gala (old)" }) { status title } }', { id: service.id });
    expect(archived.updateService).toEqual({ status: 'archived', title: 'Gala (old)' });
    const active = await ok<{ services: { edges: Array<{ node: { id: string } }> } }>('{ services(first: 100, status: active) { edges { node { id } } } }');
    expect(active.services.edges.map((e) => e.node.id)).not.toContain(service.id);

    const spare = (await ok<{ createService: { id: string } }>(`mutation { createService(input: { title: "Spare", slug: "spare-${tag()}" }) { id } }`)).createService;
    expect((await ok<{ deleteService: string }>('mutation ($id: ID!) { deleteService(id: $id) }', { id: spare.id })).deleteService).toBe(spare.id);
    expect(await count('SELECT count(*)::int AS n FROM services WHERE id = ?', [spare.id])).toBe(0);
    expect(await actionsOf(service.id)).toEqual(['CREATE', 'UPDATE']);
    expect(await actionsOf(spare.id)).toEqual(['CREATE', 'DELETE']);
  });

  test('attributes and values: duplicate value per attribute CONFLICT, attribute with values cannot be deleted', async () => {
    const attribute = (await ok<{ createAttribute: { id: string; dataType: string; isFilterable: boolean } }>(`mutation { createAttribute(input: { code: "bust_${tag()}", name: "Bust type", dataType: enum }) { id dataType isFilterable } }`)).createAttribute;
    expect(attribute).toMatchObject({ dataType: 'enum', isFilterable: true });
    const natural = (await ok<{ createAttributeValue: { id: string } }>('mutation ($a: ID!) { createAttributeValue(attributeId: $a, input: { value: "Natural", sortOrder: 2 }) { id } }', { a: attribute.id })).createAttributeValue;
    await ok('mutation ($a: ID!) { createAttributeValue(attributeId: $a, input: { value: "Enhanced", sortOrder: 1 }) { id } }', { a: attribute.id });
    expect(codeOf(await platform.gql('mutation ($a: ID!) { createAttributeValue(attributeId: $a, input: { value: "Natural" }) { id } }', { a: attribute.id }))).toMatchObject({ code: 'CONFLICT', field: 'value' });
    expect(codeOf(await platform.gql(`mutation { createAttributeValue(attributeId: "${randomUUID()}", input: { value: "X" }) { id } }`))).toMatchObject({ code: 'NOT_FOUND' });

    const listed = await ok<{ attributes: { edges: Array<{ node: { id: string; values: Array<{ value: string }> } }> } }>('{ attributes(first: 100, search: "bust type") { edges { node { id values { value } } } } }');
    expect(listed.attributes.edges.find((e) => e.node.id === attribute.id)?.node.values.map((v) => v.value)).toEqual(['Enhanced', 'Natural']);

    expect(codeOf(await platform.gql('mutation ($id: ID!) { deleteAttribute(id: $id) }', { id: attribute.id }))).toMatchObject({ code: 'CONFLICT' });
    expect(codeOf(await platform.gql('mutation ($id: ID!) { updateAttributeValue(id: $id, input: { value: "Enhanced" }) { id } }', { id: natural.id }))).toMatchObject({ code: 'CONFLICT', field: 'value' });
    expect((await ok<{ updateAttributeValue: { value: string } }>('mutation ($id: ID!) { updateAttributeValue(id: $id, input: { value: "Natural (verified)" }) { value } }', { id: natural.id })).updateAttributeValue.value).toBe('Natural (verified)');
  });

  test('locations and call rates: validation, delete refused while a rate refers to the location, filters', async () => {
    const slug = `loc-${tag()}`;
    expect(codeOf(await platform.gql(`mutation { createLocation(input: { title: "X", slug: "${slug}", timezone: "Mars/Olympus" }) { id } }`))).toMatchObject({ code: 'VALIDATION', field: 'timezone' });
    expect(codeOf(await platform.gql(`mutation { createLocation(input: { title: "X", slug: "${slug}", latitude: 123 }) { id } }`))).toMatchObject({ code: 'VALIDATION', field: 'latitude' });
    const location = (await ok<{ createLocation: { id: string; latitude: number; timezone: string; country: string } }>(
      `mutation { createLocation(input: { title: "Belgravia", slug: "${slug}", latitude: 51.4966, longitude: -0.1527 }) { id latitude timezone country } }`)).createLocation;
    expect(location).toMatchObject({ latitude: 51.4966, timezone: 'Europe/London', country: 'UK' });

    expect(codeOf(await platform.gql('mutation ($l: ID!) { createCallRate(input: { locationId: $l, durationMinutes: 60, price: "12.345" }) { id } }', { l: location.id }))).toMatchObject({ code: 'VALIDATION', field: 'price' });
    expect(codeOf(await platform.gql(`mutation { createCallRate(input: { locationId: "${randomUUID()}", durationMinutes: 60, price: "10" }) { id } }`))).toMatchObject({ code: 'VALIDATION', field: 'locationId' });
    const rate = (await ok<{ createCallRate: { id: string; price: string; currency: string; location: { id: string } } }>(
      'mutation ($l: ID!) { createCallRate(input: { locationId: $l, durationMinutes: 60, price: "350" }) { id price currency location { id } } }', { l: location.id })).createCallRate;
    expect(rate).toMatchObject({ price: '350.00', currency: 'GBP', location: { id: location.id } });
    const rates = await ok<{ callRates: { edges: Array<{ node: { id: string } }> } }>('query ($l: ID) { callRates(first: 10, locationId: $l) { edges { node { id } } } }', { l: location.id });
    expect(rates.callRates.edges.map((e) => e.node.id)).toEqual([rate.id]);

    const refused = await platform.gql('mutation ($id: ID!) { deleteLocation(id: $id) }', { id: location.id });
    expect(codeOf(refused)).toMatchObject({ code: 'CONFLICT' });
    expect(refused.errors?.[0]?.message).toMatch(/call_rates/);
    await ok('mutation ($id: ID!) { deleteCallRate(id: $id) }', { id: rate.id });
    await ok('mutation ($id: ID!) { deleteLocation(id: $id) }', { id: location.id });
    expect(await count('SELECT count(*)::int AS n FROM locations WHERE id = ?', [location.id])).toBe(0);
    expect(await actionsOf(location.id)).toEqual(['CREATE', 'DELETE']);
  });

  test('keyset pagination over a directory: ordered by title, every match once', async () => {
    const prefix = `Paged ${tag()}`;
    const ids: string[] = [];
    for (const letter of ['E', 'B', 'D', 'A', 'C']) {
      ids.push((await ok<{ createCategory: { id: string } }>(`mutation { createCategory(input: { title: "${prefix} ${letter}", slug: "${prefix.toLowerCase().replace(' ', '-')}-${letter.toLowerCase()}" }) { id } }`)).createCategory.id);
    }
    const titles: string[] = [];
    const previous: boolean[] = [];
    let after: string | null = null;
    do {
      type PageInfo = { hasPreviousPage: boolean; hasNextPage: boolean; startCursor: string | null; endCursor: string | null };
      const page: { categories: { edges: Array<{ cursor: string; node: { title: string } }>; pageInfo: PageInfo } } =
        await ok('query ($a: String, $s: String) { categories(first: 2, after: $a, search: $s) { edges { cursor node { title } } pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }', { a: after, s: prefix });
      const { edges, pageInfo } = page.categories;
      titles.push(...edges.map((e) => e.node.title));
      previous.push(pageInfo.hasPreviousPage);
      expect([pageInfo.startCursor, pageInfo.endCursor]).toEqual([edges[0]!.cursor, edges[edges.length - 1]!.cursor]);
      after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
    } while (after);
    expect(titles).toEqual(['A', 'B', 'C', 'D', 'E'].map((l) => `${prefix} ${l}`));
    expect(previous).toEqual([false, true, true]);
    expect(codeOf(await platform.gql('{ categories(first: 2, after: "garbage") { edges { cursor } } }'))).toMatchObject({ code: 'VALIDATION', field: 'after' });
  });
});
