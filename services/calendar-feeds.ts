/**
 * A model's bookings as an ICS feed that a phone calendar subscribes to (issue 14 item 4; seed §3
 * Integration type `calendar`). The feed lives at a secret URL: a random 256-bit token, shown
 * once when issued; only its SHA-256 is stored, so the URL cannot be read back from the database.
 * Issuing a new token (rotate) ends the old URL; revoking ends it without a new one. Both need
 * availability.write (Owner, Ops Manager: the feed shows bookings, which Content Managers may not
 * see, seed §2). The feed itself is built with ical-generator from the bookings that hold the
 * model's time, with only what the model needs (domain/calendar.ts feedEventOf).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import ical, { ICalEventStatus } from 'ical-generator';
import { named } from '../db/change-log.ts';
import { Model } from '../db/entities/index.ts';
import { assertPermission } from '../domain/access.ts';
import { FEED_BOOKING_STATUSES, FEED_DAYS_AHEAD, FEED_DAYS_BEHIND, FEED_REFRESH_MINUTES, feedEventOf, type FeedBooking } from '../domain/calendar.ts';
import { notFound } from '../domain/errors.ts';
import { recordEdit } from './change-records.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';

/** Where the API serves feeds: `<path>/<token>.ics` (api/http/calendar-feed.ts). */
export const CALENDAR_FEED_PATH = '/api/v1/calendar/feeds';
/** 32 random bytes, base64url: 43 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** The domain part of the feed's event UIDs. */
const UID_DOMAIN = 'virel-ops';

export interface CalendarFeedState {
  readonly modelId: string;
  readonly active: boolean;
  readonly issuedAt: Date;
  readonly revokedAt: Date | null;
  readonly lastFetchedAt: Date | null;
}

interface FeedRow {
  model_id: string;
  token_hash: string | null;
  issued_at: string;
  revoked_at: string | null;
  last_fetched_at: string | null;
}

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

async function rows<T>(em: EntityManager, sql: string, values: Record<string, unknown>): Promise<T[]> {
  const q = named(sql, values);
  return em.getConnection().execute<T[]>(q.sql, q.params, 'all', em.getTransactionContext());
}

const stateOf = (row: FeedRow): CalendarFeedState => ({
  modelId: row.model_id, active: row.token_hash !== null, issuedAt: new Date(row.issued_at),
  revokedAt: row.revoked_at ? new Date(row.revoked_at) : null, lastFetchedAt: row.last_fetched_at ? new Date(row.last_fetched_at) : null,
});

export function createCalendarFeedService(deps: Pick<ServiceDeps, 'em'>) {
  const { em } = deps;

  async function assertModel(modelId: string): Promise<void> {
    if (!isUuid(modelId) || !(await em.findOne(Model, { id: modelId }, { fields: ['id'] }))) throw notFound('model', modelId);
  }

  return {
    /** The model's feed (no token: it is shown only when issued), or null if none was ever issued. */
    async feedOf(caller: Caller, modelId: string): Promise<CalendarFeedState | null> {
      assertPermission(caller.principal, 'availability.read');
      await assertModel(modelId);
      const [row] = await rows<FeedRow>(em, 'SELECT * FROM calendar_feeds WHERE model_id = :model', { model: modelId });
      return row ? stateOf(row) : null;
    },

    /**
     * Issues a new secret token for the model's feed (the first, or replacing the current one,
     * whose URL stops working at once). The token is returned this once.
     */
    async rotate(caller: Caller, modelId: string): Promise<{ feed: CalendarFeedState; token: string }> {
      assertPermission(caller.principal, 'availability.write');
      await assertModel(modelId);
      const token = randomBytes(32).toString('base64url');
      const row = await em.transactional(async (tx) => {
        const [before] = await rows<FeedRow>(tx, 'SELECT * FROM calendar_feeds WHERE model_id = :model FOR UPDATE', { model: modelId });
        const [after] = await rows<FeedRow>(tx, `
          INSERT INTO calendar_feeds (model_id, token_hash, issued_at, issued_by, revoked_at) VALUES (:model, :hash, now(), :by, NULL)
          ON CONFLICT (model_id) DO UPDATE SET token_hash = excluded.token_hash, issued_at = excluded.issued_at, issued_by = excluded.issued_by,
                                              revoked_at = NULL, last_fetched_at = NULL, updated_at = now()
          RETURNING *`, { model: modelId, hash: hashOf(token), by: caller.principal.id });
        // The audit says a token was issued, never what it is.
        await recordEdit(tx, caller, {
          action: before ? 'UPDATE' : 'CREATE', entityType: 'calendar_feed', entityId: modelId,
          before: before ? { active: before.token_hash !== null, issued_at: before.issued_at } : null, after: { active: true, issued_at: after!.issued_at },
          metadata: { reason: before?.token_hash ? 'token rotated' : 'token issued' },
        });
        return after!;
      });
      return { feed: stateOf(row), token };
    },

    /** Ends the feed's URL: fetching it is 404 from now on. Revoking a revoked feed changes nothing. */
    async revoke(caller: Caller, modelId: string): Promise<CalendarFeedState> {
      assertPermission(caller.principal, 'availability.write');
      await assertModel(modelId);
      return em.transactional(async (tx) => {
        const [before] = await rows<FeedRow>(tx, 'SELECT * FROM calendar_feeds WHERE model_id = :model FOR UPDATE', { model: modelId });
        if (!before) throw notFound('calendar feed', modelId);
        if (before.token_hash === null) return stateOf(before);
        const [after] = await rows<FeedRow>(tx, 'UPDATE calendar_feeds SET token_hash = NULL, revoked_at = now(), updated_at = now() WHERE model_id = :model RETURNING *', { model: modelId });
        await recordEdit(tx, caller, {
          action: 'UPDATE', entityType: 'calendar_feed', entityId: modelId, before: { active: true }, after: { active: false, revoked_at: after!.revoked_at }, metadata: { reason: 'token revoked' },
        });
        return stateOf(after!);
      });
    },

    /**
     * The ICS text of the feed whose token this is, or null (unknown, malformed, rotated away or
     * revoked: the caller answers 404 to all alike). Anyone holding the URL may read it: the
     * token is the credential.
     */
    async icsFor(token: string, now = new Date()): Promise<string | null> {
      if (!TOKEN_PATTERN.test(token)) return null;
      const [feed] = await rows<{ model_id: string; name: string }>(em, `
        UPDATE calendar_feeds f SET last_fetched_at = now() FROM models m
         WHERE f.token_hash = :hash AND m.id = f.model_id RETURNING f.model_id, m.name`, { hash: hashOf(token) });
      if (!feed) return null;
      const from = new Date(now.getTime() - FEED_DAYS_BEHIND * 86_400_000);
      const to = new Date(now.getTime() + FEED_DAYS_AHEAD * 86_400_000);
      const bookings = await rows<{ id: string; ref: string; status: string; start_at: string; end_at: string; updated_at: string; title: string | null; county: string | null }>(em, `
        SELECT b.id, b.ref, b.status, b.start_at, b.end_at, b.updated_at, l.title, l.county
          FROM bookings b LEFT JOIN locations l ON l.id = b.location_id
         WHERE b.model_id = :model AND b.status = ANY(:statuses::text[]) AND b.end_at > :from AND b.start_at < :to
         ORDER BY b.start_at, b.id`, { model: feed.model_id, statuses: `{${FEED_BOOKING_STATUSES.join(',')}}`, from, to });
      const calendar = ical({
        name: `${feed.name}: bookings`, prodId: { company: 'Virel', product: 'Virel Ops', language: 'EN' }, ttl: FEED_REFRESH_MINUTES * 60,
      });
      for (const b of bookings) {
        const booking: FeedBooking = {
          id: b.id, ref: b.ref, status: b.status, startAt: new Date(b.start_at), endAt: new Date(b.end_at), updatedAt: new Date(b.updated_at),
          locationTitle: b.title, locationAddress: b.county,
        };
        const event = feedEventOf(booking, UID_DOMAIN);
        calendar.createEvent({
          id: event.uid, summary: event.summary, description: event.description, location: event.location, start: event.start, end: event.end,
          stamp: event.stamp, lastModified: event.stamp, status: event.status === 'CONFIRMED' ? ICalEventStatus.CONFIRMED : ICalEventStatus.TENTATIVE,
        });
      }
      return calendar.toString();
    },
  };
}

export type CalendarFeedService = ReturnType<typeof createCalendarFeedService>;
