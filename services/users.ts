/**
 * Users and roles (seed §2, §6.1). Disabling a user, changing their password or taking a role away
 * ends their sessions in the same transaction (the NOTIFY closes their sockets once it commits);
 * every other change applies from their next request, which reloads roles. Nobody disables
 * themselves; the last active owner cannot be disabled or lose OWNER; nobody grants (or takes
 * away) permissions they do not hold; and users.write alone cannot touch a user who holds
 * permissions the caller lacks.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Permission, Role, User } from '../db/entities/index.ts';
import { notifyViewerChanged } from '../db/viewer-changes.ts';
import { ROLE_CODES, assertPermission, type Principal } from '../domain/access.ts';
import { conflict, forbidden, invalidRequest, notFound } from '../domain/errors.ts';
import { hashPassword } from '../platform/passwords.ts';
import { recordEdit } from './change-records.ts';
import type { Caller, ServiceDeps } from './context.ts';
import { isUuid } from './rows.ts';
import { uniquely } from './unique-writes.ts';

export interface NewUser {
  readonly email: string;
  readonly name: string;
  readonly phone: string | null;
  readonly password: string;
  readonly roleCodes: readonly string[];
}

/** Absent keys stay as they are; a null phone clears it. */
export interface UserChanges {
  readonly email?: string | undefined;
  readonly name?: string | undefined;
  readonly phone?: string | null | undefined;
  readonly password?: string | undefined;
}

export interface NewRole {
  readonly code: string;
  readonly name: string;
  readonly description?: string | null | undefined;
  readonly permissions: readonly string[];
}

export interface RoleChanges {
  readonly name?: string | undefined;
  readonly description?: string | null | undefined;
  readonly permissions?: readonly string[] | undefined;
}

/** The built-in roles (seed §2): fixed, never edited or deleted. */
export const BUILT_IN_ROLES: ReadonlySet<string> = new Set<string>(ROLE_CODES);
const EMAIL_TAKEN = 'Another user already has this email.';

function execute(em: EntityManager, sql: string, params: unknown[]) {
  return em.getConnection().execute(sql, params, 'run', em.getTransactionContext());
}

/** Serialises every change that could leave no active owner (two owners disabling each other). */
async function lockOwners(em: EntityManager): Promise<void> {
  await em.getConnection().execute(`SELECT pg_advisory_xact_lock(hashtext('virel:owners'))`, [], 'get', em.getTransactionContext());
}

async function otherActiveOwners(em: EntityManager, userId: string): Promise<number> {
  const [row] = await em.getConnection().execute<Array<{ n: number }>>(`
    SELECT count(*)::int AS n FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
     WHERE r.code = 'OWNER' AND u.status = 'active' AND u.id <> ?`, [userId], 'all', em.getTransactionContext());
  return row?.n ?? 0;
}

/** Nobody hands out, or takes away, more than they hold themselves. */
function assertWithinOwnPermissions(principal: Principal, codes: Iterable<string>, what = 'You cannot grant or revoke permissions you do not hold'): void {
  const beyond = [...new Set(codes)].filter((code) => !principal.permissions.includes(code)).sort();
  if (beyond.length) {
    throw forbidden(`${what}: ${beyond.join(', ')}.`, beyond);
  }
}

async function rolesByCode(em: EntityManager, codes: readonly string[]): Promise<Role[]> {
  if (!codes.length) return [];
  const roles = await em.find(Role, { code: { $in: [...codes] } }, { populate: ['permissions'] });
  const unknown = codes.filter((code) => !roles.some((r) => r.code === code));
  if (unknown.length) {
    throw invalidRequest(`Invalid input: roleCodes: unknown role ${unknown.join(', ')}`, { field: 'roleCodes' });
  }
  return roles;
}

const permissionsOf = (roles: readonly Role[]) => roles.flatMap((role) => role.permissions.getItems().map((p) => p.code));

async function userOrFail(em: EntityManager, id: string): Promise<User> {
  const user = isUuid(id) ? await em.findOne(User, { id }, { populate: ['roles', 'roles.permissions'] }) : null;
  if (!user) throw notFound('user', id);
  return user;
}

/**
 * Nobody edits, disables or re-enables a user who holds permissions they lack: with users.write
 * alone one could otherwise reset an owner's password and sign in as them.
 */
function assertMayManage(principal: Principal, user: User): void {
  assertWithinOwnPermissions(principal, permissionsOf(user.roles.getItems()), 'You cannot change a user who holds permissions you do not');
}

async function assertEmailFree(em: EntityManager, address: string, exceptId?: string): Promise<void> {
  const holder = await em.findOne(User, { email: address });
  if (holder && holder.id !== exceptId) throw conflict(EMAIL_TAKEN, 'email');
}

async function customRoleOrFail(em: EntityManager, code: string): Promise<Role> {
  if (BUILT_IN_ROLES.has(code)) throw conflict(`${code} is a built-in role (seed §2) and cannot be changed; create a custom role instead.`, 'code');
  const role = await em.findOne(Role, { code }, { populate: ['permissions'] });
  if (!role) throw notFound('role', code);
  return role;
}

function userSnapshot(user: User) {
  return { id: user.id, email: user.email, name: user.name, phone: user.phone ?? null, status: user.status };
}

function roleSnapshot(role: Role) {
  return { id: role.id, code: role.code, name: role.name, description: role.description ?? null, permissions: role.permissions.getItems().map((p) => p.code).sort() };
}

export function createUserService(deps: ServiceDeps) {
  const { sessions } = deps;
  /** Every write here runs in one transaction on its own fork; the result is read afresh after commit. */
  const inTransaction = <T>(work: (em: EntityManager) => Promise<T>): Promise<T> => deps.em.fork().transactional(work);
  const freshUser = (id: string) => deps.em.fork().findOneOrFail(User, { id }, { populate: ['roles'] });
  const freshRole = (code: string) => deps.em.fork().findOneOrFail(Role, { code }, { populate: ['permissions'] });

  async function setStatus(caller: Caller, id: string, target: 'active' | 'disabled', reason: string | null): Promise<User> {
    const { principal } = caller;
    assertPermission(principal, 'users.write');
    if (target === 'disabled' && id === principal.id) throw conflict('You cannot disable yourself.', 'id');
    await inTransaction(async (em) => {
      await lockOwners(em);
      const user = await userOrFail(em, id);
      assertMayManage(principal, user);
      if (user.status === target) return;
      const isOwner = user.roles.getItems().some((r) => r.code === 'OWNER');
      if (target === 'disabled' && isOwner && (await otherActiveOwners(em, id)) === 0) {
        throw conflict('This is the last active owner: enable or appoint another owner first.', 'id');
      }
      // users.status is an account flag, not a workflow lifecycle: a direct write is the design.
      await execute(em, 'UPDATE users SET status = ?, updated_at = now() WHERE id = ?', [target, id]);
      await notifyViewerChanged(em, { userId: id });
      const revoked = target === 'disabled' ? await sessions.revokeUser(id, `disabled: ${reason ?? 'no reason given'}`, em) : 0;
      await recordEdit(em, caller, {
        action: target === 'disabled' ? 'DISABLE' : 'ENABLE', entityType: 'user', entityId: id,
        before: { status: user.status }, after: { status: target }, metadata: { reason, sessionsRevoked: revoked },
      });
    });
    return freshUser(id);
  }

  return {
    async createUser(caller: Caller, input: NewUser): Promise<User> {
      const { principal } = caller;
      assertPermission(principal, 'users.write');
      const passwordHash = await hashPassword(input.password);
      const id = await inTransaction((em) => uniquely(async () => {
        const roles = await rolesByCode(em, input.roleCodes);
        assertWithinOwnPermissions(principal, permissionsOf(roles));
        await assertEmailFree(em, input.email);
        const user = em.create(User, { email: input.email, name: input.name, phone: input.phone, passwordHash });
        user.roles.set(roles);
        await em.flush();
        await recordEdit(em, caller, { action: 'CREATE', entityType: 'user', entityId: user.id, after: { ...userSnapshot(user), roles: [...input.roleCodes] } });
        return user.id;
      }, { email: EMAIL_TAKEN }));
      return freshUser(id);
    },

    async updateUser(caller: Caller, id: string, input: UserChanges): Promise<User> {
      const { principal } = caller;
      assertPermission(principal, 'users.write');
      const passwordHash = input.password ? await hashPassword(input.password) : undefined;
      await inTransaction((em) => uniquely(async () => {
        const user = await userOrFail(em, id);
        assertMayManage(principal, user);
        const before = userSnapshot(user);
        if (input.email && input.email !== user.email) await assertEmailFree(em, input.email, user.id);
        em.assign(user, { email: input.email ?? user.email, name: input.name ?? user.name, phone: input.phone === undefined ? user.phone : input.phone });
        if (passwordHash) user.passwordHash = passwordHash;
        await em.flush();
        await notifyViewerChanged(em, { userId: user.id });
        // A new password ends the sessions opened with the old one.
        const revoked = passwordHash ? await sessions.revokeUser(user.id, 'password changed', em) : 0;
        await recordEdit(em, caller, {
          action: 'UPDATE', entityType: 'user', entityId: user.id, before, after: userSnapshot(user),
          metadata: { passwordChanged: Boolean(passwordHash), sessionsRevoked: revoked },
        });
      }, { email: EMAIL_TAKEN }));
      return freshUser(id);
    },

    disableUser: (caller: Caller, id: string, reason: string | null): Promise<User> => setStatus(caller, id, 'disabled', reason),
    enableUser: (caller: Caller, id: string): Promise<User> => setStatus(caller, id, 'active', null),

    async setUserRoles(caller: Caller, userId: string, codes: readonly string[]): Promise<User> {
      const { principal } = caller;
      assertPermission(principal, 'users.write');
      await inTransaction(async (em) => {
        await lockOwners(em);
        const user = await userOrFail(em, userId);
        assertMayManage(principal, user);
        const current = user.roles.getItems();
        const next = await rolesByCode(em, codes);
        const added = next.filter((r) => !current.some((c) => c.id === r.id));
        const removed = current.filter((r) => !next.some((n) => n.id === r.id));
        assertWithinOwnPermissions(principal, permissionsOf([...added, ...removed]));
        if (removed.some((r) => r.code === 'OWNER') && user.status === 'active' && (await otherActiveOwners(em, user.id)) === 0) {
          throw conflict('This is the last active owner: appoint another owner first.', 'roleCodes');
        }
        if (!added.length && !removed.length) return;
        user.roles.set(next);
        await em.flush();
        await notifyViewerChanged(em, { userId: user.id });
        // Losing a role ends the sessions, so open sockets stop receiving what it allowed.
        const revoked = removed.length ? await sessions.revokeUser(user.id, 'roles reduced', em) : 0;
        await recordEdit(em, caller, {
          action: 'ROLES_CHANGE', entityType: 'user', entityId: user.id,
          before: { roles: current.map((r) => r.code).sort() }, after: { roles: [...codes].sort() }, metadata: { sessionsRevoked: revoked },
        });
      });
      return freshUser(userId);
    },

    async createRole(caller: Caller, input: NewRole): Promise<Role> {
      const { principal } = caller;
      assertPermission(principal, 'users.write');
      assertWithinOwnPermissions(principal, input.permissions);
      await inTransaction((em) => uniquely(async () => {
        if (await em.count(Role, { code: input.code })) throw conflict(`A role ${input.code} already exists.`, 'code');
        const role = em.create(Role, { code: input.code, name: input.name, description: input.description });
        role.permissions.set(await em.find(Permission, { code: { $in: [...input.permissions] } }));
        await em.flush();
        await recordEdit(em, caller, { action: 'CREATE', entityType: 'role', entityId: role.id, after: roleSnapshot(role) });
      }, { code: `A role ${input.code} already exists.` }));
      return freshRole(input.code);
    },

    async updateRole(caller: Caller, code: string, input: RoleChanges): Promise<Role> {
      const { principal } = caller;
      assertPermission(principal, 'users.write');
      await inTransaction(async (em) => {
        const role = await customRoleOrFail(em, code);
        const before = roleSnapshot(role);
        const old = before.permissions;
        const next = input.permissions;
        if (next) assertWithinOwnPermissions(principal, [...old.filter((c) => !next.includes(c)), ...next.filter((c) => !old.includes(c))]);
        if (input.name !== undefined) role.name = input.name;
        if (input.description !== undefined) role.description = input.description;
        if (next) role.permissions.set(await em.find(Permission, { code: { $in: [...next] } }));
        await em.flush();
        await notifyViewerChanged(em, { roleCode: role.code });
        const after = roleSnapshot(role);
        // Holders who lost a permission sign in again, as when they lose a role.
        const lost = old.some((c) => !after.permissions.includes(c));
        const holders = lost ? await em.getConnection().execute<Array<{ user_id: string }>>('SELECT user_id FROM user_roles WHERE role_id = ?', [role.id], 'all', em.getTransactionContext()) : [];
        for (const holder of holders) await sessions.revokeUser(holder.user_id, `role ${role.code} reduced`, em);
        await recordEdit(em, caller, { action: 'UPDATE', entityType: 'role', entityId: role.id, before, after, metadata: { sessionsRevokedFor: holders.length } });
      });
      return freshRole(code);
    },

    async deleteRole(caller: Caller, code: string): Promise<true> {
      const { principal } = caller;
      assertPermission(principal, 'users.write');
      await inTransaction(async (em) => {
        const role = await customRoleOrFail(em, code);
        const [held] = await em.getConnection().execute<Array<{ n: number }>>('SELECT count(*)::int AS n FROM user_roles WHERE role_id = ?', [role.id], 'all', em.getTransactionContext());
        if (held?.n) throw conflict(`${held.n} user(s) hold ${role.code}: take it from them first.`, 'code');
        assertWithinOwnPermissions(principal, role.permissions.getItems().map((p) => p.code));
        const before = roleSnapshot(role);
        role.permissions.removeAll();
        em.remove(role);
        await em.flush();
        await recordEdit(em, caller, { action: 'DELETE', entityType: 'role', entityId: before.id, before });
      });
      return true;
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
