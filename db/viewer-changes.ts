/**
 * The announcement that a signed-in viewer changed (a user's status, name, email or roles, or a
 * role's permissions): a NOTIFY in the transaction that makes the change, heard by every API
 * process's viewer cache (api/auth/viewer-cache.ts) only once it commits. Written here, beside
 * the other write-side notifications, so the services that change users can send it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';

/** The NOTIFY channel on which a change to a viewer (user or role) is announced to every API process. */
export const VIEWERS_CHANNEL = 'virel_viewers';

/** What changed: one user (status, name, email, roles), or a role's permissions (its holders). */
export type ViewerChange = { readonly userId: string } | { readonly roleCode: string };

/** NOTIFY in the caller's transaction, if any: heard only once the change commits. */
export async function notifyViewerChanged(em: EntityManager, change: ViewerChange): Promise<void> {
  await em.getConnection().execute('SELECT pg_notify(?, ?)', [VIEWERS_CHANNEL, JSON.stringify(change)], 'get', em.getTransactionContext());
}
