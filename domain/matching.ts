/**
 * How an inquiry is matched to models (seed §7 POST /inquiries/:id/match; issue 14 item 5). Each
 * factor gives points with a reason an operator can read in the card ("+30 serves Mayfair",
 * "−20 tentative at 19:00"):
 *
 * | factor        | points                                                                  |
 * |---------------|-------------------------------------------------------------------------|
 * | location      | 30 based there, 25 serves it, 15 within 3 km, 8 within 8 km, else 0      |
 * | availability  | 30 free for the whole window, 10 if part is tentative (−20), busy: out   |
 * | services      | 25 × the share of the requested services offered                         |
 * | rating        | 15 × internal rating / 5 (no rating: 7.5, the middle)                    |
 * | history       | −10 per no-show, −5 per cancellation of bookings due in the last 90 days, at most −20 |
 *
 * Only the factors the inquiry asks for count (location, time, services); rating and history
 * always do. Score = points / points possible × 100, clamped to 0–100, two decimals. A model
 * that is not active, or busy (booked, unavailable, blacked out, outside her hours) at any
 * moment of the requested time, is not a candidate; nor is one scoring 0.
 *
 * Pure: what a model offers (the facts, her availability intervals) is read by the caller.
 * Availability and history are the costly facts to read, and both can only lower a score:
 * `scoreBound` is a model's score were she free and without history, and `bestScored` reads
 * the costly facts best bound first, only until no model left can enter the kept best.
 */
import type { AvailabilityInterval } from './availability.ts';

export const MATCH_POINTS = { based: 30, serves: 25, near: 15, nearby: 8, free: 30, tentative: 10, services: 25, rating: 15 } as const;
export const NEAR_KM = 3;
export const NEARBY_KM = 8;
export const HISTORY_DAYS = 90;
export const HISTORY_PENALTY = { noShow: 10, cancelled: 5, max: 20 } as const;

/** The length assumed for a requested time without an end. */
export const DEFAULT_REQUEST_MS = 3600_000;

/** What the inquiry asks for. */
export interface MatchRequest {
  readonly locationId: string | null;
  /** For the reasons ("serves Mayfair"). */
  readonly locationTitle: string | null;
  readonly from: Date | null;
  /** The end as requested, or null. */
  readonly to: Date | null;
  readonly serviceIds: readonly string[];
}

/** What one model offers for the request. */
export interface ModelFacts {
  readonly status: string;
  readonly basedAtLocation: boolean;
  readonly servesLocation: boolean;
  /** Distance from her base to the requested location, when both have coordinates. */
  readonly distanceKm: number | null;
  /** Her availability over the requested window (empty when no time is asked). */
  readonly window: readonly AvailabilityInterval[];
  readonly servicesOffered: number;
  /** 0-5, or null. */
  readonly rating: number | null;
  readonly recentNoShows: number;
  readonly recentCancellations: number;
}

export interface MatchFactor {
  readonly factor: 'location' | 'availability' | 'services' | 'rating' | 'history';
  readonly points: number;
  readonly max: number;
  /** "+30 serves Mayfair". */
  readonly text: string;
}

export interface MatchScore {
  /** 0-100, two decimals. */
  readonly score: number;
  /** Why: stored with the match (inquiry_matches.reason). */
  readonly reason: { readonly factors: readonly MatchFactor[]; readonly points: number; readonly possible: number };
}

/** The requested time window (the end defaulted), or nulls when no time is asked. */
export function requestedWindow(from: Date | null, to: Date | null): { from: Date | null; to: Date | null } {
  return { from, to: to ?? (from ? new Date(from.getTime() + DEFAULT_REQUEST_MS) : null) };
}

/** Whether the request asks for anything to match on. */
export const asksForAnything = (request: MatchRequest): boolean =>
  request.locationId !== null || request.from !== null || request.serviceIds.length > 0;

const signed = (points: number) => `${points >= 0 ? '+' : '−'}${Math.abs(Math.round(points * 10) / 10)}`;
const clock = (d: Date) => d.toISOString().slice(11, 16);

/** Great-circle distance in km between two points (degrees). */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const h = Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/**
 * A factor before its text is written: the bound of every model is summed without it (the
 * text is formatted only for the candidates that are scored).
 */
type Points = Omit<MatchFactor, 'text'> & { readonly describe: () => string };

function locationFactor(request: MatchRequest, facts: ModelFacts): Points {
  const where = request.locationTitle ?? 'the requested location';
  const max = MATCH_POINTS.based;
  if (facts.basedAtLocation) return { factor: 'location', points: MATCH_POINTS.based, max, describe: () => `+${MATCH_POINTS.based} based in ${where}` };
  if (facts.servesLocation) return { factor: 'location', points: MATCH_POINTS.serves, max, describe: () => `+${MATCH_POINTS.serves} serves ${where}` };
  const km = facts.distanceKm;
  if (km !== null && km <= NEAR_KM) return { factor: 'location', points: MATCH_POINTS.near, max, describe: () => `+${MATCH_POINTS.near} ${km.toFixed(1)} km from ${where}` };
  if (km !== null && km <= NEARBY_KM) return { factor: 'location', points: MATCH_POINTS.nearby, max, describe: () => `+${MATCH_POINTS.nearby} ${km.toFixed(1)} km from ${where}` };
  return { factor: 'location', points: 0, max, describe: () => (km === null ? `+0 does not serve ${where}` : `+0 ${km.toFixed(1)} km from ${where}`) };
}

/** The availability factor, or null when the model is busy during the window (not a candidate). */
function availabilityFactor(from: Date, to: Date, facts: ModelFacts): Points | null {
  const busy = facts.window.find((i) => i.state === 'busy');
  if (busy) return null;
  const tentative = facts.window.find((i) => i.state === 'tentative');
  const max = MATCH_POINTS.free;
  if (tentative) {
    return {
      factor: 'availability', points: MATCH_POINTS.tentative, max,
      describe: () => `${signed(MATCH_POINTS.tentative - MATCH_POINTS.free)} tentative at ${clock(tentative.start < from ? from : tentative.start)} (${tentative.reason})`,
    };
  }
  return { factor: 'availability', points: MATCH_POINTS.free, max, describe: () => `+${MATCH_POINTS.free} free ${clock(from)}–${clock(to)}` };
}

/** The factors of the model's score for the request; null if it is not a candidate. */
function factorsOf(request: MatchRequest, facts: ModelFacts): { factors: Points[]; points: number; possible: number; score: number } | null {
  if (facts.status !== 'active') return null;
  const { from, to } = requestedWindow(request.from, request.to);
  const factors: Points[] = [];
  if (request.locationId) factors.push(locationFactor(request, facts));
  if (from && to) {
    const availability = availabilityFactor(from, to, facts);
    if (!availability) return null;
    factors.push(availability);
  }
  if (request.serviceIds.length) {
    const points = (MATCH_POINTS.services * facts.servicesOffered) / request.serviceIds.length;
    factors.push({ factor: 'services', points, max: MATCH_POINTS.services, describe: () => `${signed(points)} offers ${facts.servicesOffered} of ${request.serviceIds.length} requested services` });
  }
  const rating = facts.rating;
  const ratingPoints = rating === null ? MATCH_POINTS.rating / 2 : (MATCH_POINTS.rating * Math.min(5, Math.max(0, rating))) / 5;
  factors.push({ factor: 'rating', points: ratingPoints, max: MATCH_POINTS.rating, describe: () => `${signed(ratingPoints)} ${rating === null ? 'no internal rating yet' : `internal rating ${rating.toFixed(1)}`}` });
  const penalty = Math.min(HISTORY_PENALTY.max, facts.recentNoShows * HISTORY_PENALTY.noShow + facts.recentCancellations * HISTORY_PENALTY.cancelled);
  if (penalty > 0) {
    factors.push({ factor: 'history', points: -penalty, max: 0, describe: () => `${signed(-penalty)} ${facts.recentNoShows} no-show(s), ${facts.recentCancellations} cancellation(s) in ${HISTORY_DAYS} days` });
  }
  let points = 0;
  let possible = 0;
  for (const f of factors) {
    points += f.points;
    possible += f.max;
  }
  const score = Math.round(Math.min(100, Math.max(0, (points / possible) * 100)) * 100) / 100;
  return { factors, points, possible, score };
}

/** The model's score for the request; null if it is not a candidate. */
export function scoreModel(request: MatchRequest, facts: ModelFacts): MatchScore | null {
  const scored = factorsOf(request, facts);
  if (!scored || !(scored.score > 0)) return null;
  const factors = scored.factors.map((f): MatchFactor => ({ factor: f.factor, points: f.points, max: f.max, text: f.describe() }));
  return { score: scored.score, reason: { factors, points: Math.round(scored.points * 100) / 100, possible: scored.possible } };
}

/** What a model offers that is cheap to read: everything but her availability and her history. */
export type ProfileFacts = Omit<ModelFacts, 'window' | 'recentNoShows' | 'recentCancellations'>;

/**
 * The most the model can score for the request: her score were she free for the whole window
 * and without no-shows or cancellations (availability gives at most the free points, history
 * only takes points away, and neither changes the points possible). 0: not a candidate.
 */
export function scoreBound(request: MatchRequest, facts: ProfileFacts): number {
  const { from, to } = requestedWindow(request.from, request.to);
  const window: AvailabilityInterval[] = from && to ? [{ start: from, end: to, state: 'free', source: 'open', reason: '', sourceId: null, confidence: null }] : [];
  return factorsOf(request, { ...facts, window, recentNoShows: 0, recentCancellations: 0 })?.score ?? 0;
}

/** A scored candidate. */
export interface RankedModel {
  readonly modelId: string;
  readonly score: number;
}

/** Best first: higher score, then the model id (a stable order for equal scores). */
export const byScore = (a: RankedModel, b: RankedModel): number => b.score - a.score || (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0);

/**
 * The exact best `keep` of `models` (and any others scored on the way), best first, scoring
 * them in batches best bound first and stopping when the `keep`-th scored sorts before what
 * the next model could at best score (her bound, then her id): no model left can enter the
 * best `keep`, since her score is at most her bound. `score` returns the candidates of a
 * batch (a model that is not one is left out); models whose bound is 0 are never scored.
 */
export async function bestScored<M extends { readonly modelId: string; readonly bound: number }, S extends RankedModel>(
  models: readonly M[], keep: number, batchSize: number, score: (batch: M[]) => Promise<readonly S[]>,
): Promise<S[]> {
  const queue = models.filter((m) => m.bound > 0).sort((a, b) => b.bound - a.bound || (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0));
  const scored: S[] = [];
  for (let i = 0; i < queue.length; i += batchSize) {
    const kept = scored[keep - 1];
    if (kept && byScore(kept, { modelId: queue[i]!.modelId, score: queue[i]!.bound }) < 0) break;
    scored.push(...(await score(queue.slice(i, i + batchSize))));
    scored.sort(byScore);
  }
  return scored;
}
