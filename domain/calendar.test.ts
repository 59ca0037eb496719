import { describe, expect, test } from '@jest/globals';
import { feedEventOf, fetchUrlOf, importUrlProblem, planSync, redactedUrl, slotStatusOf, wantedSlots, type ExternalOccurrence } from './calendar.ts';

const t = (iso: string) => new Date(iso);
const occurrence = (key: string, start: string, end: string, extra: Partial<ExternalOccurrence> = {}): ExternalOccurrence => ({ key, start: t(start), end: t(end), ...extra });

describe('what an external event becomes', () => {
  test.each([
    [{}, 'unavailable', 'unavailable'],
    [{}, 'tentative', 'tentative'],
    [{ status: 'TENTATIVE' }, 'unavailable', 'tentative'],
    [{ status: 'CONFIRMED' }, 'unavailable', 'unavailable'],
    [{ status: 'CANCELLED' }, 'unavailable', null],
    [{ transparency: 'TRANSPARENT' }, 'unavailable', null],
  ] as const)('%j with busyAs %s → %s', (extra, busyAs, expected) => {
    expect(slotStatusOf(occurrence('a', '2031-01-01T10:00:00Z', '2031-01-01T11:00:00Z', extra), busyAs)).toBe(expected);
  });

  test('wanted slots are clipped to the window, empty or outside ones dropped, a repeated key kept once', () => {
    const window = { from: t('2031-01-01T00:00:00Z'), to: t('2031-01-02T00:00:00Z') };
    expect(wantedSlots([
      occurrence('early', '2030-12-31T22:00:00Z', '2031-01-01T02:00:00Z'),
      occurrence('outside', '2031-01-03T10:00:00Z', '2031-01-03T11:00:00Z'),
      occurrence('empty', '2031-01-01T10:00:00Z', '2031-01-01T10:00:00Z'),
      occurrence('dup', '2031-01-01T10:00:00Z', '2031-01-01T11:00:00Z'),
      occurrence('dup', '2031-01-01T12:00:00Z', '2031-01-01T13:00:00Z'),
    ], 'unavailable', window)).toEqual([
      { externalUid: 'early', start: window.from, end: t('2031-01-01T02:00:00Z'), status: 'unavailable' },
      { externalUid: 'dup', start: t('2031-01-01T10:00:00Z'), end: t('2031-01-01T11:00:00Z'), status: 'unavailable' },
    ]);
  });
});

describe('planSync', () => {
  const stored = [
    { id: '1', externalUid: 'same', start: t('2031-01-01T10:00:00Z'), end: t('2031-01-01T11:00:00Z'), status: 'unavailable' as const },
    { id: '2', externalUid: 'moved', start: t('2031-01-01T12:00:00Z'), end: t('2031-01-01T13:00:00Z'), status: 'unavailable' as const },
    { id: '3', externalUid: 'gone', start: t('2031-01-01T14:00:00Z'), end: t('2031-01-01T15:00:00Z'), status: 'unavailable' as const },
  ];
  test('inserts new events, updates changed ones in place, removes vanished ones, leaves the rest', () => {
    const plan = planSync(stored, [
      { externalUid: 'same', start: t('2031-01-01T10:00:00Z'), end: t('2031-01-01T11:00:00Z'), status: 'unavailable' },
      { externalUid: 'moved', start: t('2031-01-01T12:30:00Z'), end: t('2031-01-01T13:00:00Z'), status: 'unavailable' },
      { externalUid: 'new', start: t('2031-01-01T16:00:00Z'), end: t('2031-01-01T17:00:00Z'), status: 'tentative' },
    ]);
    expect(plan.insert.map((s) => s.externalUid)).toEqual(['new']);
    expect(plan.update.map((s) => [s.id, s.externalUid])).toEqual([['2', 'moved']]);
    expect(plan.remove.map((s) => s.id)).toEqual(['3']);
  });
  test('the same events again: nothing to write', () => {
    expect(planSync(stored, stored.map(({ id: _id, ...s }) => s))).toEqual({ insert: [], update: [], remove: [] });
  });
});

describe('import URLs', () => {
  test.each([
    ['https://calendar.example.com/private-abc/basic.ics', undefined],
    ['webcal://calendar.example.com/a.ics', undefined],
    ['ftp://calendar.example.com/a.ics', 'must be an http, https or webcal URL'],
    ['calendar.example.com/a.ics', 'must be an absolute URL such as https://calendar.example.com/model.ics'],
    ['https://me:secret@calendar.example.com/a.ics', 'must not carry a user name or password'],
  ])('%s → %s', (url, problem) => {
    expect(importUrlProblem(url)).toBe(problem);
  });
  test('webcal is fetched over https; shown redacted without path or query', () => {
    expect(fetchUrlOf('webcal://calendar.example.com/a.ics')).toBe('https://calendar.example.com/a.ics');
    expect(redactedUrl('https://calendar.example.com/private-abc/basic.ics?token=1')).toBe('https://calendar.example.com/…');
  });
});

describe('feed events', () => {
  const booking = { id: 'b1', ref: 'B-1001', startAt: t('2031-01-01T19:00:00Z'), endAt: t('2031-01-01T21:00:00Z'), updatedAt: t('2030-12-01T00:00:00Z'), locationTitle: 'Mayfair', locationAddress: 'London' };
  test('a confirmed booking is CONFIRMED; one waiting for confirmation TENTATIVE and says so', () => {
    expect(feedEventOf({ ...booking, status: 'confirmed' }, 'virel-ops')).toMatchObject({ uid: 'booking-b1@virel-ops', summary: 'Booking B-1001', status: 'CONFIRMED', location: 'Mayfair, London' });
    expect(feedEventOf({ ...booking, status: 'deposit_required' }, 'virel-ops')).toMatchObject({ summary: 'Booking B-1001 (deposit required)', status: 'TENTATIVE' });
  });
});
