/**
 * Authorization at the edge: RBAC (permission codes of the viewer's roles), entity policy
 * (without `entities.read_all` a user sees only what is assigned to them or unassigned) and
 * PII masking (without `pii.read`, phones and emails are masked).
 */
import type { PermissionCode } from '../../domain/access.ts';
import { forbidden, unauthenticated } from '../../domain/errors.ts';
import { maskEmail, maskPhone } from '../../domain/masking.ts';
import type { Viewer } from './sessions.ts';

export function requireViewer(viewer: Viewer | undefined): Viewer {
  if (!viewer) throw unauthenticated('Sign in first: send Authorization: Bearer <access token>.');
  return viewer;
}

export function requirePermission(maybeViewer: Viewer | undefined, permission: PermissionCode): Viewer {
  const viewer = requireViewer(maybeViewer);
  if (!viewer.permissions.includes(permission)) {
    throw forbidden(`Your roles (${viewer.roles.join(', ') || 'none'}) do not allow this: it needs ${permission}.`, permission);
  }
  return viewer;
}

export function canSee(viewer: Viewer, assigneeId: string | null): boolean {
  return viewer.permissions.includes('entities.read_all') || assigneeId === null || assigneeId === viewer.id;
}

/** Contact fields as this viewer may see them. */
export function contactFor<T extends { clientEmail?: string | null; clientPhone?: string | null }>(viewer: Viewer | undefined, row: T): T {
  if (viewer?.permissions.includes('pii.read')) return row;
  return { ...row, clientEmail: maskEmail(row.clientEmail), clientPhone: maskPhone(row.clientPhone) };
}

/**
 * Handing work to someone else is an escalation (seed §2: ops managers reassign between
 * operators): without escalations.manage a user may take work or release it, not give it away.
 */
export function assertMayAssign(viewer: Viewer, assigneeId: string | null | undefined): void {
  if (!assigneeId || assigneeId === viewer.id || viewer.permissions.includes('escalations.manage')) return;
  throw forbidden('Assigning work to someone else needs escalations.manage; you may assign it to yourself or unassign it.', 'escalations.manage');
}
