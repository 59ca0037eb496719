/**
 * Authorization at the edge: RBAC (permission codes of the viewer's roles), entity policy
 * (without `entities.read_all` a user sees only what is assigned to them or unassigned) and
 * PII masking (without `pii.read`, phones and emails are masked).
 */
import { assertMayAssign, assertPermission, canSee, type PermissionCode } from '../../domain/access.ts';
import { unauthenticated } from '../../domain/errors.ts';
import { maskEmail, maskPhone } from '../../domain/masking.ts';
import type { Viewer } from './sessions.ts';

export function requireViewer(viewer: Viewer | undefined): Viewer {
  if (!viewer) throw unauthenticated('Sign in first: send Authorization: Bearer <access token>.');
  return viewer;
}

export function requirePermission(maybeViewer: Viewer | undefined, permission: PermissionCode): Viewer {
  const viewer = requireViewer(maybeViewer);
  assertPermission(viewer, permission);
  return viewer;
}

/** The entity policy and assignment rules are domain rules (domain/access.ts), used by services too. */
export { assertMayAssign, canSee };

/** Contact fields as this viewer may see them. */
export function contactFor<T extends { clientEmail?: string | null; clientPhone?: string | null }>(viewer: Viewer | undefined, row: T): T {
  if (viewer?.permissions.includes('pii.read')) return row;
  return { ...row, clientEmail: maskEmail(row.clientEmail), clientPhone: maskPhone(row.clientPhone) };
}
