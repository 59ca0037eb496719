/**
 * Store activities: every write of a lifecycle's state to PostgreSQL. Each runs ONE
 * transaction that writes the entity row, its audit entry, its timeline entry and its domain
 * event, and issues pg_notify (delivered only if that transaction commits). Each is keyed
 * by a transition id, so a retry after a crash changes nothing twice.
 */
import type { ActivityDeps } from '../deps.ts';
import { createBookingStore } from './bookings.ts';
import { createInquiryStore } from './inquiries.ts';
import { createTransitionStore } from './transitions.ts';
import { createWorkItemStore } from './work-items.ts';

export function createStoreActivities(deps: ActivityDeps) {
  return {
    ...createInquiryStore(deps),
    ...createBookingStore(deps),
    ...createWorkItemStore(deps),
    ...createTransitionStore(deps),
  };
}

export type StoreActivities = ReturnType<typeof createStoreActivities>;
