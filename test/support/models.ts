/**
 * Fresh models for tests that hold a model's time: two time-holding bookings of one model may not
 * overlap (bookings_no_double_booking), and every test file shares one database, so a test that
 * sends a booking to pending or beyond books a model of its own.
 */
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';

export async function freshModel(platform: { orm: MikroORM }, options: { bufferMinutes?: number; locationId?: string | null; name?: string } = {}): Promise<{ id: string; name: string }> {
  const key = randomUUID().slice(0, 8);
  const name = options.name ?? `Test model ${key}`;
  const [row] = await platform.orm.em.getConnection().execute<Array<{ id: string }>>(
    `INSERT INTO models (public_code, name, slug, primary_location_id, buffer_minutes) VALUES (?, ?, ?, ?, ?) RETURNING id`,
    [`T-${key}`, name, `test-model-${key}`, options.locationId ?? null, options.bufferMinutes ?? 0]);
  return { id: row!.id, name };
}

/** The demo references with a fresh model of their own. */
export async function withFreshModel<R extends { model_id: string }>(orm: MikroORM, refs: R): Promise<R> {
  return { ...refs, model_id: (await freshModel({ orm })).id };
}
