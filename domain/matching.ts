/**
 * How an inquiry is matched to models (seed §7 POST /inquiries/:id/match; the seed leaves the
 * method open). Each criterion counts only if the inquiry asks for it: primary location =
 * requested location (40 points); an available slot covering the requested time (40; tentative
 * 20); the share of the requested services the model offers (20). A request without an end
 * counts one hour. Score = points / points possible × 100, two decimals. A model already booked
 * or marked unavailable during the requested time is not a candidate, nor is one scoring 0.
 *
 * Pure arithmetic: what a model offers (the facts) is read from the database by the caller.
 */

export const MATCH_POINTS = { location: 40, availableSlot: 40, tentativeSlot: 20, services: 20 } as const;

/** The length assumed for a requested time without an end. */
export const DEFAULT_REQUEST_MS = 3600_000;

/** What the inquiry asks for. */
export interface MatchRequest {
  readonly locationId: string | null;
  readonly from: Date | null;
  /** The end as requested, or null. */
  readonly to: Date | null;
  readonly serviceIds: readonly string[];
}

/** What one model offers for the request. */
export interface ModelFacts {
  readonly locationMatch: boolean;
  readonly available: boolean;
  readonly tentative: boolean;
  /** Booked or unavailable during the requested time. */
  readonly busy: boolean;
  readonly servicesOffered: number;
}

export interface MatchScore {
  /** 0-100, two decimals. */
  readonly score: number;
  /** Why: the criteria that counted (stored with the match). */
  readonly reason: Record<string, unknown>;
}

/** The requested time window (the end defaulted), or nulls when no time is asked. */
export function requestedWindow(from: Date | null, to: Date | null): { from: Date | null; to: Date | null } {
  return { from, to: to ?? (from ? new Date(from.getTime() + DEFAULT_REQUEST_MS) : null) };
}

/** Whether the request asks for anything to match on. */
export const asksForAnything = (request: MatchRequest): boolean =>
  request.locationId !== null || request.from !== null || request.serviceIds.length > 0;

/** The model's score for the request; null if it is not a candidate. */
export function scoreModel(request: MatchRequest, facts: ModelFacts): MatchScore | null {
  const { from, to } = requestedWindow(request.from, request.to);
  if (from && facts.busy) return null;
  let points = 0;
  let possible = 0;
  const reason: Record<string, unknown> = {};
  if (request.locationId) {
    possible += MATCH_POINTS.location;
    if (facts.locationMatch) points += MATCH_POINTS.location;
    reason.location = { requested: request.locationId, primary_location_matches: facts.locationMatch };
  }
  if (from && to) {
    possible += MATCH_POINTS.availableSlot;
    points += facts.available ? MATCH_POINTS.availableSlot : facts.tentative ? MATCH_POINTS.tentativeSlot : 0;
    reason.time = { requested_from: from.toISOString(), requested_to: to.toISOString(), slot: facts.available ? 'available' : facts.tentative ? 'tentative' : 'none' };
  }
  if (request.serviceIds.length) {
    possible += MATCH_POINTS.services;
    points += (MATCH_POINTS.services * facts.servicesOffered) / request.serviceIds.length;
    reason.services = { requested: request.serviceIds.length, offered: facts.servicesOffered };
  }
  if (possible === 0) return null;
  const score = Math.round((points / possible) * 10_000) / 100;
  return score > 0 ? { score, reason } : null;
}
