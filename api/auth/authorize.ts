/**
 * Authorization at the edge: RBAC (permission codes of the viewer's roles), entity policy
 * (without `entities.read_all` a user sees only what is assigned to them or unassigned) and
 * PII masking (without `pii.read`, phones and emails are masked).
 */
import { assertMayAssign, assertPermission, canSee, type PermissionCode } from '../../domain/access.ts';
import { unauthenticated, type UnauthenticatedReason } from '../../domain/errors.ts';
import { maskEmail, maskPhone } from '../../domain/masking.ts';
import type { Viewer } from './sessions.ts';

/** Why a request has no viewer: no token, or what was wrong with the one it carried. */
export type AuthRefusal = 'missing' | Extract<UnauthenticatedReason, 'token_expired' | 'token_invalid' | 'token_revoked'>;

/** Who a request is (the GraphQL context, or a socket's `{ viewer }`). */
export interface Signed {
  readonly viewer: Viewer | undefined;
  /** Set when `viewer` is absent. */
  readonly authRefusal?: AuthRefusal;
}

const REFUSALS: Record<AuthRefusal, string> = {
  missing: 'Sign in first: send Authorization: Bearer <access token>.',
  token_expired: 'The access token has expired: get a new one with refreshSession and retry.',
  token_invalid: 'The access token is not valid: sign in again.',
  token_revoked: 'The session of this access token has ended: sign in again.',
};

/** The signed-in viewer, or UNAUTHENTICATED with the reason a client acts on (refresh or sign in). */
export function requireViewer(signed: Signed): Viewer {
  if (signed.viewer) return signed.viewer;
  const reason = signed.authRefusal ?? 'missing';
  throw unauthenticated(REFUSALS[reason], reason);
}

export function requirePermission(signed: Signed, permission: PermissionCode): Viewer {
  const viewer = requireViewer(signed);
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

/** A finance field (price, deposit, payment status) as this viewer may see it: null without payments.read. */
export function financeFor(viewer: Viewer | undefined, value: string | null | undefined): string | null {
  return viewer?.permissions.includes('payments.read') ? (value ?? null) : null;
}
