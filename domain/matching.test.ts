import { describe, expect, test } from '@jest/globals';
import type { AvailabilityInterval } from './availability.ts';
import { asksForAnything, bestScored, byScore, distanceKm, requestedWindow, scoreBound, scoreModel, type MatchRequest, type ModelFacts } from './matching.ts';

const from = new Date('2026-12-04T19:00:00Z');
const to = new Date('2026-12-04T21:00:00Z');
const interval = (state: AvailabilityInterval['state'], start = from, end = to, reason: string = state): AvailabilityInterval =>
  ({ start, end, state, source: 'slot', reason, sourceId: null, confidence: null });
const facts: ModelFacts = {
  status: 'active', basedAtLocation: false, servesLocation: false, distanceKm: null, window: [interval('free')], servicesOffered: 0,
  rating: null, recentNoShows: 0, recentCancellations: 0,
};
const request: MatchRequest = { locationId: 'loc', locationTitle: 'Mayfair', from, to, serviceIds: ['a', 'b'] };
const texts = (f: ModelFacts, r = request) => scoreModel(r, f)?.reason.factors.map((x) => x.text);

describe('inquiry matching (issue 14 item 5)', () => {
  test('a request without an end counts one hour', () => {
    expect(requestedWindow(from, null).to).toEqual(new Date('2026-12-04T20:00:00Z'));
    expect(requestedWindow(null, null)).toEqual({ from: null, to: null });
  });

  test('each factor gives points with a reason: location, availability, services, rating', () => {
    const best = { ...facts, basedAtLocation: true, servicesOffered: 2, rating: 5 };
    expect(scoreModel(request, best)).toMatchObject({ score: 100, reason: { points: 100, possible: 100 } });
    expect(texts(best)).toEqual(['+30 based in Mayfair', '+30 free 19:00–21:00', '+25 offers 2 of 2 requested services', '+15 internal rating 5.0']);
    const serves = { ...facts, servesLocation: true, servicesOffered: 1, rating: 4, window: [interval('free', from, new Date('2026-12-04T19:30:00Z')), interval('tentative', new Date('2026-12-04T19:30:00Z'), to, 'tentative slot (sync, confidence 0.60)')] };
    expect(texts(serves)).toEqual(['+25 serves Mayfair', '−20 tentative at 19:30 (tentative slot (sync, confidence 0.60))', '+12.5 offers 1 of 2 requested services', '+12 internal rating 4.0']);
    expect(scoreModel(request, serves)?.score).toBe(59.5);
  });

  test('distance between districts counts where known', () => {
    expect(texts({ ...facts, distanceKm: 2.4 })?.[0]).toBe('+15 2.4 km from Mayfair');
    expect(texts({ ...facts, distanceKm: 6 })?.[0]).toBe('+8 6.0 km from Mayfair');
    expect(texts({ ...facts, distanceKm: 20 })?.[0]).toBe('+0 20.0 km from Mayfair');
    // Mayfair to Soho is about a kilometre.
    expect(distanceKm({ lat: 51.5096, lon: -0.1478 }, { lat: 51.5137, lon: -0.1337 })).toBeCloseTo(1.1, 0);
  });

  test('recent no-shows and cancellations cost points, at most 20', () => {
    expect(texts({ ...facts, recentNoShows: 1, recentCancellations: 1 })?.at(-1)).toBe('−15 1 no-show(s), 1 cancellation(s) in 90 days');
    expect(scoreModel(request, { ...facts, basedAtLocation: true, recentNoShows: 5 })?.reason.points).toBe(30 + 30 + 0 + 7.5 - 20);
  });

  test('busy at any moment of the window, or not active: not a candidate', () => {
    expect(scoreModel(request, { ...facts, basedAtLocation: true, window: [interval('free', from, new Date('2026-12-04T20:00:00Z')), interval('busy', new Date('2026-12-04T20:00:00Z'), to)] })).toBeNull();
    expect(scoreModel(request, { ...facts, basedAtLocation: true, status: 'suspended' })).toBeNull();
    // Without a requested time, availability does not count.
    expect(texts({ ...facts, basedAtLocation: true, window: [] }, { ...request, from: null, to: null })).toEqual(['+30 based in Mayfair', '+0 offers 0 of 2 requested services', '+7.5 no internal rating yet']);
  });

  test('a request for nothing cannot be matched', () => {
    expect(asksForAnything({ locationId: null, locationTitle: null, from: null, to: null, serviceIds: [] })).toBe(false);
    expect(asksForAnything({ ...request, locationId: null, from: null })).toBe(true);
  });

  test('the bound is the score were she free and without history: never below her score, equal when she is', () => {
    const { window: _w, recentNoShows: _n, recentCancellations: _c, ...profile } = { ...facts, servesLocation: true, servicesOffered: 1, rating: 4 };
    const free = scoreModel(request, { ...facts, ...profile })!.score;
    expect(scoreBound(request, profile)).toBe(free);
    expect(scoreModel(request, { ...facts, ...profile, window: [interval('tentative')] })!.score).toBeLessThan(free);
    expect(scoreModel(request, { ...facts, ...profile, recentNoShows: 1 })!.score).toBeLessThan(free);
    expect(scoreBound({ ...request, from: null, to: null }, profile)).toBe(scoreModel({ ...request, from: null, to: null }, { ...facts, ...profile, window: [] })!.score);
    expect(scoreBound(request, { ...profile, status: 'inactive' })).toBe(0);
  });

  test('best first by bound gives the exact best of an exhaustive scoring, ties by id included, scoring fewer', async () => {
    // A seeded pseudo-random population with many equal scores, so the cut falls inside ties.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 20; round++) {
      const population = Array.from({ length: 400 }, (_, i) => {
        const profile = { status: 'active', basedAtLocation: random() < 0.1, servesLocation: random() < 0.1, distanceKm: random() < 0.8 ? Math.floor(random() * 12) : null, servicesOffered: Math.floor(random() * 3), rating: random() < 0.9 ? Math.floor(random() * 6) : null };
        const state = random();
        const window = [interval(state < 0.2 ? 'busy' : state < 0.4 ? 'tentative' : 'free')];
        return { modelId: `m-${String(Math.floor(random() * 1e6)).padStart(6, '0')}-${i}`, profile, facts: { ...profile, window, recentNoShows: random() < 0.1 ? 1 : 0, recentCancellations: random() < 0.2 ? Math.floor(random() * 5) : 0 } };
      });
      const score = (m: (typeof population)[number]) => { const s = scoreModel(request, m.facts); return s ? [{ modelId: m.modelId, score: s.score }] : []; };
      const exhaustive = population.flatMap(score).sort(byScore);
      let looked = 0;
      const byId = new Map(population.map((m) => [m.modelId, m]));
      const lazy = await bestScored(population.map((m) => ({ modelId: m.modelId, bound: scoreBound(request, m.profile) })), 50, 25, async (batch) => {
        looked += batch.length;
        return batch.flatMap((b) => score(byId.get(b.modelId)!));
      });
      expect(lazy.slice(0, 50)).toEqual(exhaustive.slice(0, 50));
      expect(looked).toBeLessThan(population.length);
    }
  });

  test('fewer candidates than kept: every model that can be one is scored', async () => {
    const models = [{ modelId: 'b', bound: 40 }, { modelId: 'a', bound: 40 }, { modelId: 'c', bound: 0 }, { modelId: 'd', bound: 90 }];
    const seen: string[][] = [];
    const best = await bestScored(models, 50, 2, async (batch) => {
      seen.push(batch.map((b) => b.modelId));
      return batch.filter((b) => b.modelId !== 'a').map((b) => ({ modelId: b.modelId, score: b.bound - 10 }));
    });
    // Best bound first, ties by id; a bound of 0 is never a candidate.
    expect(seen).toEqual([['d', 'a'], ['b']]);
    expect(best).toEqual([{ modelId: 'd', score: 80 }, { modelId: 'b', score: 30 }]);
  });

  test('a model whose bound only ties the kept last is still scored when her id sorts first', async () => {
    // c could score 60 but history costs her 10; a, bound 50, may score 50 and sorts before c.
    const best = await bestScored([{ modelId: 'c', bound: 60 }, { modelId: 'a', bound: 50 }, { modelId: 'd', bound: 50 }], 1, 1, async (batch) =>
      batch.map((b) => ({ modelId: b.modelId, score: 50 })));
    expect(best.map((b) => b.modelId)).toEqual(['a', 'c']);
  });
});
