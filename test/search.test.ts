/**
 * Unified search through real HTTP against the running API, worker and database: refs in every
 * spelling, names, emails, phones and phrases; ranking and grouping; the operator's policy,
 * per-kind permissions, PII masking (contacts match only as a whole value without pii.read); bad input.
 * Entities are created through their workflows; unique words keep other files' rows out.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as commands from '../services/lifecycle-commands.ts';
import { bookingDraft, demoReferences, startBooking, startTask } from './support/lifecycles.ts';
import { withFreshModel } from './support/models.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

let platform: TestPlatform;
let refs: Awaited<ReturnType<typeof demoReferences>>;

interface Hit { kind: string; id: string; ref: string | null; title: string; subtitle: string | null; status: string | null; matchedOn: string; score: number; email: string | null; phone: string | null }
interface Group { kind: string; count: number; moreThanCount: boolean; hits: Hit[] }
const SEARCH = `query ($text: String!, $first: Int, $kinds: [SearchKind!]) { search(text: $text, first: $first, kinds: $kinds) {
  text groups { kind count moreThanCount hits { kind id ref title subtitle status matchedOn score email phone } } } }`;

/** A word no other test uses, so its hits are ours. */
const word = `Quillon${randomUUID().slice(0, 6).replace(/[^a-f]/g, 'x')}`;
const digits = `${Math.floor(10_000 + Math.random() * 89_999)}`;
const phone = `+4477009${digits}`;
const email = `${word.toLowerCase()}@example.net`;
const entity: Record<string, { id: string; ref: string }> = {};

async function searchAs(role: string, text: string, extra: { first?: number; kinds?: string[] } = {}) {
  const response = await platform.gql<{ search: { text: string; groups: Group[] } }>(SEARCH, { text, ...extra }, { authorization: `Bearer ${await platform.tokenOf(role)}` });
  expect(response.errors).toBeUndefined();
  return response.data!.search;
}
const hitsOf = (result: { groups: Group[] }, kind?: string) => result.groups.filter((g) => !kind || g.kind === kind).flatMap((g) => g.hits);
const idsOf = (result: { groups: Group[] }, kind?: string) => hitsOf(result, kind).map((h) => h.id);

async function inquiry(fields: Record<string, string>): Promise<{ id: string; ref: string }> {
  const created = await platform.gql<{ createInquiry: { inquiry: { id: string; ref: string } } }>(
    'mutation ($i: CreateInquiryInput!) { createInquiry(input: $i) { inquiry { id ref } } }', { i: { source: 'web', ...fields } });
  expect(created.errors).toBeUndefined();
  return created.data!.createInquiry.inquiry;
}

beforeAll(async () => {
  platform = await startTestPlatform();
  refs = await demoReferences(platform.orm);
  entity.inquiry = await inquiry({ clientName: `${word} Oakridge`, clientEmail: email, clientPhone: phone, subject: 'Dinner on Friday', message: `Please call ${word} back` });
  entity.otherInquiry = await inquiry({ clientName: `${word} Oak`, subject: 'Gala evening' });
  entity.sashasInquiry = await inquiry({ clientName: `${word} Sasha-only`, subject: 'Private' });
  const [sasha] = await platform.orm.em.getConnection().execute<Array<{ id: string }>>(`SELECT id FROM users WHERE email = 'sasha@virel.local'`);
  const assigned = await platform.gql('mutation ($i: AssignInput!) { assign(input: $i) { entityId } }', { i: { entity: { type: 'inquiry', id: entity.sashasInquiry.id }, assigneeId: sasha!.id } });
  expect(assigned.errors).toBeUndefined();
  // A client of our own: the demo client gathers other files' bookings, which could push ours past the first 50 hits.
  const [client] = await platform.orm.em.getConnection().execute<Array<{ id: string }>>(
    'INSERT INTO clients (full_name) VALUES (?) RETURNING id', [`Clientson ${word.slice(7)}${digits}`]);
  refs = { ...refs, client_id: client!.id };
  const booking = await startBooking(platform.temporal, bookingDraft(await withFreshModel(platform.orm, refs), 9 * 24 * 3600_000));
  entity.booking = { id: booking.created.entityId, ref: booking.created.ref };
  const task = await startTask(platform.temporal, { entityId: entity.booking.id, type: 'follow_up', priority: 'normal', subject: `Call ${word} about the deposit` });
  entity.task = { id: task.created.entityId, ref: task.created.ref };
  const exceptionId = randomUUID();
  const exception = await commands.startException(platform.temporal,
    { id: exceptionId, type: 'payment_failed', severity: 'high', summary: `Deposit card declined for ${word}`, entityType: 'booking', entityId: entity.booking.id },
    { actor: { type: 'system' } });
  entity.exception = { id: exceptionId, ref: exception.created.ref };
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

describe('search by ref', () => {
  test.each(['booking', 'inquiry', 'task', 'exception'])('%s by #REF, REF, lower case and without the dash', async (kind) => {
    const { id, ref } = entity[kind]!;
    const [prefix, number] = ref.split('-') as [string, string];
    for (const text of [`#${ref}`, ref, ref.toLowerCase(), `${prefix.toLowerCase()}${number}`, ` #${ref} `]) {
      const result = await searchAs('OWNER', text);
      expect(result.groups).toEqual([{ kind, count: 1, moreThanCount: false, hits: [expect.objectContaining({ id, ref, matchedOn: 'ref', score: 2 })] }]);
    }
  });

  test('a booking hit says what it is: model @ location, client, start', async () => {
    const [hit] = hitsOf(await searchAs('OWNER', `#${entity.booking!.ref}`));
    const [row] = await platform.orm.em.getConnection().execute<Array<{ model: string; location: string; client: string }>>(`
      SELECT m.name AS model, l.title AS location, c.full_name AS client FROM bookings b JOIN models m ON m.id = b.model_id
        JOIN locations l ON l.id = b.location_id JOIN clients c ON c.id = b.client_id WHERE b.id = ?`, [entity.booking!.id]);
    expect(hit).toMatchObject({ title: `Booking #${entity.booking!.ref}`, status: 'draft' });
    expect(hit!.subtitle).toMatch(new RegExp(`^${row!.model} @ ${row!.location} • ${row!.client} • \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}$`));
  });
});

describe('search by text', () => {
  test('a name finds inquiries, grouped, the closer name first; a near spelling is tried when nothing matches', async () => {
    const result = await searchAs('OWNER', `${word} Oak`);
    const inquiries = result.groups.find((g) => g.kind === 'inquiry')!;
    expect(inquiries.hits.map((h) => h.id)).toEqual([entity.otherInquiry!.id, entity.inquiry!.id]);
    expect(inquiries.hits.every((h) => h.matchedOn === 'name')).toBe(true);
    expect(inquiries.hits[0]!.score).toBeGreaterThan(inquiries.hits[1]!.score);
    expect(hitsOf(await searchAs('OWNER', `${word} Oakridge`), 'inquiry').map((h) => h.id)).toEqual([entity.inquiry!.id]);
    const typo = await searchAs('OWNER', `${word} Oakrigde`);
    expect(hitsOf(typo, 'inquiry')[0]).toMatchObject({ id: entity.inquiry!.id, matchedOn: 'similar' });
  });

  test('a client name finds the client and their bookings, groups ordered by their best hit', async () => {
    const [client] = await platform.orm.em.getConnection().execute<Array<{ id: string; full_name: string }>>('SELECT id, full_name FROM clients WHERE id = ?', [refs.client_id]);
    const byClient = await searchAs('OWNER', client!.full_name, { first: 50 });
    expect(idsOf(byClient, 'client')).toContain(client!.id);
    expect(hitsOf(byClient, 'booking').find((h) => h.id === entity.booking!.id)).toMatchObject({ matchedOn: 'client' });
    // Groups are ordered by their best hit.
    const bests = byClient.groups.map((g) => Math.max(...g.hits.map((h) => h.score)));
    expect(bests).toEqual([...bests].sort((a, b) => b - a));
  });

  test('a phrase finds tasks and exceptions by full text, the type included ("payment failed")', async () => {
    const declined = await searchAs('OWNER', `card declined ${word}`);
    expect(idsOf(declined, 'exception')).toEqual([entity.exception!.id]);
    // Its summary says neither "payment" nor "failed": with its own word, the phrase finds it by its type.
    const phrase = await searchAs('OWNER', `payment failed ${word}`, { kinds: ['exception'] });
    expect(phrase.groups.map((g) => g.kind)).toEqual(['exception']);
    expect(hitsOf(phrase)).toEqual([expect.objectContaining({ id: entity.exception!.id, matchedOn: 'text', subtitle: 'payment_failed • high' })]);
    // The phrase alone finds exceptions of other files too (an SLA breach of one names its type), so only the kind is checked.
    const anyone = await searchAs('OWNER', 'payment failed', { kinds: ['exception'], first: 50 });
    expect(anyone.groups.map((g) => g.kind)).toEqual(['exception']);
    expect(hitsOf(anyone).length).toBeGreaterThan(0);
    const task = await searchAs('OWNER', `deposit ${word}`, { kinds: ['task'] });
    expect(hitsOf(task)).toEqual([expect.objectContaining({ id: entity.task!.id, ref: entity.task!.ref, matchedOn: 'text' })]);
  });

  test('an email or a phone (any formatting) finds its inquiry for a viewer with pii.read', async () => {
    expect(hitsOf(await searchAs('OWNER', email), 'inquiry')).toEqual([expect.objectContaining({ id: entity.inquiry!.id, matchedOn: 'email', score: 1, email, phone })]);
    const spaced = `+44 7700 9${digits.slice(0, 2)} ${digits.slice(2)}`;
    expect(hitsOf(await searchAs('OWNER', spaced), 'inquiry')).toEqual([expect.objectContaining({ id: entity.inquiry!.id, matchedOn: 'phone', score: 1 })]);
  });

  test('without pii.read, contacts are masked and match only as a whole value (a part would uncover hidden digits); names still match', async () => {
    // The whole address or number, however it is formatted, finds its inquiry, masked.
    const byEmail = hitsOf(await searchAs('OPERATOR', email.toUpperCase()), 'inquiry');
    expect(byEmail).toEqual([expect.objectContaining({ id: entity.inquiry!.id, matchedOn: 'email', email: `${email.slice(0, 2)}***@example.net` })]);
    expect(idsOf(await searchAs('READ_ONLY', `+44 7700 9${digits.slice(0, 2)} ${digits.slice(2)}`))).toContain(entity.inquiry!.id);
    // A part of one finds nothing.
    expect(idsOf(await searchAs('OPERATOR', email.replace('.net', '')))).not.toContain(entity.inquiry!.id);
    expect(idsOf(await searchAs('OPERATOR', phone.slice(0, -2)))).not.toContain(entity.inquiry!.id);
    expect(idsOf(await searchAs('READ_ONLY', digits))).not.toContain(entity.inquiry!.id);
    const [hit] = hitsOf(await searchAs('OPERATOR', `${word} Oakridge`), 'inquiry');
    expect(hit).toMatchObject({ id: entity.inquiry!.id });
    expect(hit!.email).toBe(`${email.slice(0, 2)}***@example.net`);
    expect(hit!.phone).toMatch(/^\+447700\*\*\*\d{3}$/);
  });
});

describe('policy and permissions', () => {
  test('an operator finds their own and unassigned inquiries, not another operator\'s, by name or by ref', async () => {
    const lukas = await searchAs('OPERATOR', word, { first: 50 });
    expect(idsOf(lukas, 'inquiry')).toEqual(expect.arrayContaining([entity.inquiry!.id, entity.otherInquiry!.id]));
    expect(idsOf(lukas)).not.toContain(entity.sashasInquiry!.id);
    expect((await searchAs('OPERATOR', entity.sashasInquiry!.ref)).groups).toEqual([]);
    expect(idsOf(await searchAs('OPERATOR:sasha', word, { first: 50 }))).toContain(entity.sashasInquiry!.id);
    expect(idsOf(await searchAs('OPS_MANAGER', entity.sashasInquiry!.ref))).toEqual([entity.sashasInquiry!.id]);
  });

  test('kinds without the read permission are absent; `kinds` narrows further', async () => {
    expect((await searchAs('CONTENT_MANAGER', word)).groups).toEqual([]);
    expect((await searchAs('CONTENT_MANAGER', 'Sophia')).groups.map((g) => g.kind)).toEqual(['model']);
    expect((await searchAs('INTEGRATIONS_ADMIN', word)).groups).toEqual([]);
    expect((await searchAs('FINANCE', entity.inquiry!.ref)).groups).toEqual([]);
    expect((await searchAs('FINANCE', `#${entity.booking!.ref}`)).groups.map((g) => g.kind)).toEqual(['booking']);
    expect((await searchAs('OWNER', word, { kinds: ['task'] })).groups.map((g) => g.kind)).toEqual(['task']);
  });

  test('bad input is VALIDATION and anonymous is UNAUTHENTICATED', async () => {
    for (const [variables, field] of [
      [{ text: '' }, 'text'], [{ text: '   ' }, 'text'], [{ text: 'x'.repeat(101) }, 'text'], [{ text: 'ok', first: 0 }, 'first'], [{ text: 'ok', first: 51 }, 'first'],
    ] as const) {
      const response = await platform.gql(SEARCH, variables);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field });
    }
    expect((await platform.gql(SEARCH, { text: 'x' }, { authorization: '' })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // LIKE wildcards are text, not patterns; quotes and backslashes are text too.
    expect((await searchAs('OWNER', '%%%', { kinds: ['inquiry', 'client'] })).groups).toEqual([]);
    expect((await searchAs('OWNER', "O'Brien \\ 50% _x")).text).toBe("O'Brien \\ 50% _x");
  });
});
