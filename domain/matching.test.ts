import { describe, expect, test } from '@jest/globals';
import { asksForAnything, requestedWindow, scoreModel, type MatchRequest, type ModelFacts } from './matching.ts';

const from = new Date('2026-12-04T20:00:00Z');
const facts: ModelFacts = { locationMatch: false, available: false, tentative: false, busy: false, servicesOffered: 0 };
const request: MatchRequest = { locationId: 'loc', from, to: null, serviceIds: ['a', 'b'] };

describe('inquiry matching (seed §7)', () => {
  test('a request without an end counts one hour', () => {
    expect(requestedWindow(from, null).to).toEqual(new Date('2026-12-04T21:00:00Z'));
    expect(requestedWindow(null, null)).toEqual({ from: null, to: null });
  });

  test('only the criteria asked for count: location 40, slot 40 (tentative 20), services 20 by share', () => {
    expect(scoreModel(request, { ...facts, locationMatch: true, available: true, servicesOffered: 2 })?.score).toBe(100);
    expect(scoreModel(request, { ...facts, locationMatch: true, tentative: true, servicesOffered: 1 })?.score).toBe(70);
    expect(scoreModel({ ...request, from: null }, { ...facts, servicesOffered: 1 })?.score).toBe(16.67);
    expect(scoreModel(request, { ...facts, locationMatch: true })?.reason).toEqual({
      location: { requested: 'loc', primary_location_matches: true },
      time: { requested_from: from.toISOString(), requested_to: '2026-12-04T21:00:00.000Z', slot: 'none' },
      services: { requested: 2, offered: 0 },
    });
  });

  test('a busy model and a model scoring 0 are not candidates', () => {
    expect(scoreModel(request, { ...facts, locationMatch: true, busy: true })).toBeNull();
    expect(scoreModel(request, facts)).toBeNull();
    expect(scoreModel({ ...request, from: null }, { ...facts, locationMatch: true, busy: true })?.score).toBe(66.67);
  });

  test('a request for nothing cannot be matched', () => {
    expect(asksForAnything({ locationId: null, from: null, to: null, serviceIds: [] })).toBe(false);
    expect(asksForAnything({ ...request, locationId: null, from: null })).toBe(true);
  });
});
