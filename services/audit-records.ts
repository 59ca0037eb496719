/** How an audit entry stores what it saw: JSON snapshots, and where a request came from. */
import { Utils, wrap } from '@mikro-orm/core';
import type { JsonObject } from '../db/entities/columns.ts';

/** Where a request came from: its address and user agent. */
export interface RequestOrigin {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** A JSON snapshot of an entity (hidden properties such as password hashes left out) or plain object. */
export function snapshot(value: object | null | undefined): JsonObject | null {
  if (!value) return null;
  const plain = Utils.isEntity(value) ? wrap(value).toObject() : value;
  return JSON.parse(JSON.stringify(plain)) as JsonObject;
}
