/**
 * The candidates for an inquiry, best first (issue 14 item 5; the scores are domain/matching.ts).
 * One query reads what every active model offers that is cheap to read (location, distance,
 * services, rating); the costly facts, her recent no-shows and cancellations and her real
 * availability in the requested window (services/availability-facts.ts), are read in batches
 * best bound first, only until no model left can enter the kept best (domain `bestScored`).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { combineAvailability } from '../domain/availability.ts';
import { HISTORY_DAYS, bestScored, distanceKm, requestedWindow, scoreBound, scoreModel, type MatchRequest, type MatchScore, type ProfileFacts } from '../domain/matching.ts';
import { BOOKABLE_MODEL_STATUS } from '../domain/models.ts';
import { modelFacts, uuidArray } from './availability-facts.ts';

/** Models whose history and availability are read at once. */
const BATCH = 100;

export type ScoredModel = MatchScore & { modelId: string };

interface ProfileRow {
  id: string; status: string; based: boolean; serves: boolean;
  lat: string | null; lon: string | null; services_offered: number; rating: string | null;
  /** The requested location, repeated on every row (read in the same round trip). */
  here_title: string | null; here_lat: string | null; here_lon: string | null;
}

/** What the inquiry asks for; the requested location's title and place are read with the profiles. */
export type MatchAsk = Omit<MatchRequest, 'locationTitle'>;

/**
 * The candidates scored on the way to the exact best `keep`, best first (at least those `keep`
 * when there are as many candidates). The requested location is read in the profile statement
 * (a LEFT JOIN on true: its title and coordinates on every row) rather than in a round trip of
 * its own; the services offered and the locations served are joined as grouped sets, not
 * counted by a subquery per model (2,000 index probes: 14 of the statement's 17 ms on the
 * bench data).
 */
export async function scoredCandidates(em: EntityManager, asked: MatchAsk, keep: number): Promise<ScoredModel[]> {
  const connection = em.getConnection();
  const rows = await connection.execute<ProfileRow[]>(`
    SELECT m.id, m.status,
           (m.primary_location_id IS NOT DISTINCT FROM ?::uuid) AS based,
           (served.model_id IS NOT NULL) AS serves,
           l.latitude AS lat, l.longitude AS lon,
           coalesce(offered.n, 0)::int AS services_offered,
           m.rating_internal AS rating,
           here.title AS here_title, here.latitude AS here_lat, here.longitude AS here_lon
      FROM models m
      LEFT JOIN locations l ON l.id = m.primary_location_id
      LEFT JOIN (SELECT DISTINCT ml.model_id FROM model_locations ml WHERE ml.location_id = ?::uuid) served ON served.model_id = m.id
      LEFT JOIN (SELECT ms.model_id, count(*) AS n FROM model_services ms
                  WHERE coalesce(ms.is_enabled, true) AND ms.service_id = ANY(?::uuid[]) GROUP BY ms.model_id) offered ON offered.model_id = m.id
      LEFT JOIN locations here ON here.id = ?::uuid
     WHERE m.status = ?`,
  [asked.locationId, asked.locationId, uuidArray(asked.serviceIds), asked.locationId, BOOKABLE_MODEL_STATUS]);
  const first = rows[0];
  const request: MatchRequest = { ...asked, locationTitle: first?.here_title ?? null };
  const here = first && first.here_lat !== null && first.here_lon !== null ? { lat: Number(first.here_lat), lon: Number(first.here_lon) } : null;
  const profiles = new Map(rows.map((m): [string, ProfileFacts] => [m.id, {
    status: m.status, basedAtLocation: m.based, servesLocation: m.serves,
    distanceKm: here && m.lat !== null && m.lon !== null ? distanceKm(here, { lat: Number(m.lat), lon: Number(m.lon) }) : null,
    servicesOffered: m.services_offered, rating: m.rating === null ? null : Number(m.rating),
  }]));
  const { from, to } = requestedWindow(request.from, request.to);
  const bounded = rows.map((m) => ({ modelId: m.id, bound: scoreBound(request, profiles.get(m.id)!) }));

  return bestScored(bounded, keep, BATCH, async (batch) => {
    const ids = batch.map((b) => b.modelId);
    // History and the window's availability in one statement (services/availability-facts.ts),
    // each model read by a LATERAL subquery with one equality, which its index answers.
    const facts = await modelFacts(em, batch.map((b) => ({ id: b.modelId })), { window: from && to ? { from, to } : undefined, historyDays: HISTORY_DAYS });
    return ids.flatMap((id): ScoredModel[] => {
      const known = facts.get(id);
      if (!known) return [];
      const scored = scoreModel(request, {
        ...profiles.get(id)!, recentNoShows: known.history?.noShows ?? 0, recentCancellations: known.history?.cancellations ?? 0,
        window: from && to ? combineAvailability(known, { from, to }) : [],
      });
      return scored ? [{ modelId: id, ...scored }] : [];
    });
  });
}
