/**
 * Data that tells the truth, through the real API, worker and database: a booking shows its hold
 * deadline only while it holds; an inquiry's deposit is exposed (finance visibility) and carried
 * to its booking on conversion; lost / spam need a reason, recorded as the inquiry's
 * closedReason; emoji and other symbols in names and texts are found by search.
 * (The SLA-breach exception's owner is proved in test/timers.test.ts and test/workflows/.)
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { bookingInput, freshBooking, inquiryAwaitingDeposit } from './operations/bookings.ts';
import { freshInquiry } from './support/role-matrix.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

/**
 * Hours ahead, far from other files' bookings and each other's: two bookings of one model at
 * one time would be a double booking (CONFLICT).
 */
let nextSlot = 5000 + Math.floor(Math.random() * 20_000);
const freeSlot = () => (nextSlot += 7);
/** A fresh draft booking (createBooking as the owner) at a time of its own. */
const booking = async (extra: Record<string, unknown> = {}) => freshBooking(platform, { ...(await bookingInput(platform, freeSlot())), ...extra });

const CHANGE = 'mutation ($i: ChangeStatusInput!) { changeStatus(input: $i) { to } }';
async function change(type: string, id: string, to: string, extra: Record<string, unknown> = {}) {
  return platform.gql(CHANGE, { i: { entity: { type, id }, to, ...extra } });
}
async function moved(type: string, id: string, to: string, extra: Record<string, unknown> = {}) {
  const result = await change(type, id, to, extra);
  expect(result.errors).toBeUndefined();
}

describe('a booking\'s hold deadline', () => {
  const EXPIRES = 'query ($id: ID!) { booking(id: $id) { status expiresAt } }';
  const view = async (id: string) => (await platform.gql<{ booking: { status: string; expiresAt: string | null } }>(EXPIRES, { id })).data?.booking;

  test('shows while the booking waits for confirmation and is cleared once it is confirmed, started or cancelled', async () => {
    const id = await booking({ depositRequired: '100.00' });
    expect(await view(id)).toEqual({ status: 'draft', expiresAt: null });
    await moved('booking', id, 'pending');
    const pending = await view(id);
    expect(Date.parse(String(pending?.expiresAt))).toBeGreaterThan(Date.now());
    await moved('booking', id, 'deposit_required');
    expect(await view(id)).toEqual({ status: 'deposit_required', expiresAt: pending?.expiresAt });
    await moved('booking', id, 'confirmed');
    expect(await view(id)).toEqual({ status: 'confirmed', expiresAt: null });
    await moved('booking', id, 'in_progress');
    expect(await view(id)).toEqual({ status: 'in_progress', expiresAt: null });
    const [row] = await platform.sql<{ expires_at: string | null }>('SELECT expires_at FROM bookings WHERE id = ?', [id]);
    expect(row?.expires_at).toBeNull();

    const cancelled = await booking();
    await moved('booking', cancelled, 'pending');
    expect((await view(cancelled))?.expiresAt).not.toBeNull();
    await moved('booking', cancelled, 'cancelled', { reason: 'client changed plans' });
    expect(await view(cancelled)).toEqual({ status: 'cancelled', expiresAt: null });
  });
});

describe('an inquiry\'s deposit', () => {
  const INQUIRY = 'query ($id: ID!) { inquiry(id: $id) { status depositAmount } }';

  test('is exposed to those who see money and null for operators; conversion carries it to the booking', async () => {
    const id = await inquiryAwaitingDeposit(platform);
    expect((await platform.gql(INQUIRY, { id })).data).toEqual({ inquiry: { status: 'awaiting_deposit', depositAmount: '100.00' } });
    expect((await platform.gql(INQUIRY, { id }, await platform.as('OPS_MANAGER'))).data).toEqual({ inquiry: { status: 'awaiting_deposit', depositAmount: '100.00' } });
    expect((await platform.gql(INQUIRY, { id }, await platform.as('OPERATOR'))).data).toEqual({ inquiry: { status: 'awaiting_deposit', depositAmount: null } });

    const converted = await platform.gql<{ convertInquiryToBooking: { booking: { id: string; depositRequired: string | null } } }>(
      'mutation ($id: ID!, $input: ConvertInquiryInput!) { convertInquiryToBooking(id: $id, input: $input) { booking { id depositRequired } } }',
      { id, input: await bookingInput(platform, freeSlot()) });
    expect(converted.errors).toBeUndefined();
    const booking = converted.data?.convertInquiryToBooking.booking;
    expect(booking?.depositRequired).toBe('100.00');
    const [row] = await platform.sql<{ deposit_required: string }>('SELECT deposit_required FROM bookings WHERE id = ?', [booking?.id]);
    expect(row?.deposit_required).toBe('100.00');
    // The carried deposit is the booking's own: the guard to deposit_required is met.
    await moved('booking', String(booking?.id), 'pending');
    await moved('booking', String(booking?.id), 'deposit_required');
  });

  test('a conversion that names its own deposit keeps it', async () => {
    const id = await inquiryAwaitingDeposit(platform);
    const converted = await platform.gql<{ convertInquiryToBooking: { booking: { depositRequired: string | null } } }>(
      'mutation ($id: ID!, $input: ConvertInquiryInput!) { convertInquiryToBooking(id: $id, input: $input) { booking { depositRequired } } }',
      { id, input: { ...(await bookingInput(platform, freeSlot())), depositRequired: '250.00' } });
    expect(converted.data?.convertInquiryToBooking.booking.depositRequired).toBe('250.00');
  });
});

describe('lost and spam need a reason', () => {
  const closed = async (id: string) => (await platform.sql<{ status: string; closed_reason: string | null }>('SELECT status, closed_reason FROM inquiries WHERE id = ?', [id]))[0];
  const audits = async (id: string) => Number((await platform.sql<{ n: string }>('SELECT count(*) AS n FROM audit_log WHERE entity_id = ?', [id]))[0]?.n);

  test('without one: VALIDATION naming closedReason, nothing changed; with one: recorded as the closed reason', async () => {
    const id = await freshInquiry(platform);
    const before = await audits(id);
    const refused = await change('inquiry', id, 'spam');
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'closedReason', to: 'spam' });
    expect(await change('inquiry', id, 'spam', { closedReason: '  ' })).toMatchObject({ errors: [{ extensions: { code: 'VALIDATION', field: 'closedReason' } }] });
    expect(await closed(id)).toEqual({ status: 'new', closed_reason: null });
    expect(await audits(id)).toBe(before);
    await moved('inquiry', id, 'spam', { reason: 'bulk promotional message' });
    expect(await closed(id)).toEqual({ status: 'spam', closed_reason: 'bulk promotional message' });

    const lost = await freshInquiry(platform);
    await moved('inquiry', lost, 'qualified');
    expect((await change('inquiry', lost, 'lost')).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'closedReason', to: 'lost' });
    await moved('inquiry', lost, 'lost', { closedReason: 'chose another agency' });
    expect(await closed(lost)).toEqual({ status: 'lost', closed_reason: 'chose another agency' });
  });
});

describe('search with emoji and symbols', () => {
  const SEARCH = 'query ($text: String!) { search(text: $text, first: 10) { groups { kind hits { id matchedOn } } } }';
  /** What a search finds of one kind (inquiries unless said). */
  const found = async (text: string, role = 'OWNER', kind = 'inquiry') => {
    const result = await platform.gql<{ search: { groups: Array<{ kind: string; hits: Array<{ id: string; matchedOn: string }> }> } }>(SEARCH, { text }, await platform.as(role));
    expect(result.errors).toBeUndefined();
    return result.data?.search.groups.filter((g) => g.kind === kind).flatMap((g) => g.hits) ?? [];
  };
  // Symbols no other test uses, so the hits are ours.
  const tag = randomUUID().slice(0, 4);

  test('a name or a text with an emoji is found by the emoji, alone or with words; words still find them', async () => {
    const create = async (input: Record<string, string>) => {
      const created = await platform.gql<{ createInquiry: { inquiry: { id: string } } }>('mutation ($i: CreateInquiryInput!) { createInquiry(input: $i) { inquiry { id } } }', { i: { source: 'web', ...input } });
      expect(created.errors).toBeUndefined();
      return String(created.data?.createInquiry.inquiry.id);
    };
    const named = await create({ clientName: `Anna 💎🦩 Kovac${tag}`, subject: 'Dinner' });
    const noted = await create({ clientName: `Boris Petrov${tag}`, subject: 'Gala', message: `VIP client 🥂🦩 — prefers ★★★★★ venues ${tag}` });
    const plain = await create({ clientName: `Plain Name${tag}`, message: 'no symbols at all' });

    expect((await found('💎🦩')).map((h) => h.id)).toEqual([named]);
    // The client the inquiry created is found by its name's emoji as well.
    const [client] = await platform.sql<{ client_id: string }>('SELECT client_id FROM inquiries WHERE id = ?', [named]);
    expect(await found('💎🦩', 'OWNER', 'client')).toEqual([{ id: client?.client_id, matchedOn: 'name' }]);
    expect(await found('🥂🦩')).toEqual([{ id: noted, matchedOn: 'text' }]);
    // One emoji (one character, two UTF-16 units) matches everything containing it, and nothing else.
    const flamingo = (await found('🦩')).map((h) => h.id);
    expect(flamingo).toEqual(expect.arrayContaining([named, noted]));
    expect(flamingo).not.toContain(plain);
    expect((await found('★★★★★')).map((h) => h.id)).toContain(noted);
    // With words, the words decide (the full text ignores symbols) and the name matches as typed.
    expect((await found(`Anna 💎🦩 Kovac${tag}`)).map((h) => h.id)).toContain(named);
    expect((await found(`VIP ${tag} 🥂`)).map((h) => h.id)).toContain(noted);
    // An operator finds the unassigned inquiry by its emoji too.
    expect((await found('💎🦩', 'OPERATOR')).map((h) => h.id)).toEqual([named]);
    // A symbol nobody used finds nothing (and is not VALIDATION).
    expect(await found('🦄🛸🦄')).toEqual([]);
  });
});
