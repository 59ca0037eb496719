/**
 * Users, roles and permissions (seed §2, §6.1). Disabling a user or taking a role away ends their
 * sessions in the same transaction (the NOTIFY closes their sockets once it commits); every other
 * change applies from their next request (a NOTIFY drops their cached viewer). The last active owner cannot be
 * disabled or lose OWNER, and nobody grants (or takes away) permissions they do not hold. Staff
 * emails and phones are masked like clients' for viewers without pii.read.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { Permission, Role, User } from '../../../db/entities/index.ts';
import { hashPassword } from '../../../db/seed/demo-data.ts';
import { PERMISSIONS, ROLE_CODES, type PermissionCode } from '../../../domain/access.ts';
import { forbidden, invalidRequest } from '../../../domain/errors.ts';
import { contactFor, requirePermission } from '../../auth/authorize.ts';
import type { Viewer } from '../../auth/sessions.ts';
import { notifyViewerChanged } from '../../auth/viewer-cache.ts';
import { recordAudit } from '../audit-trail.ts';
import type { ResolverContext } from '../context.ts';
import { afterCursor, pageSize, toConnection } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { conflict, email, isUuid, likePattern, notFound, optionalText, parseInput, phone, text, uniquely } from '../validation.ts';

const password = z.string().min(12, 'at least 12 characters').max(200);
const roleCodes = z.array(z.string().trim().min(1).max(50)).max(20).refine((codes) => new Set(codes).size === codes.length, 'each role once');
const permissionCodes = z.array(z.enum(Object.keys(PERMISSIONS) as [PermissionCode, ...PermissionCode[]])).max(100)
  .refine((codes) => new Set(codes).size === codes.length, 'each permission once');

const createUserInput = z.object({
  email,
  name: text(200),
  phone: phone.nullish().transform((v) => v || null),
  password,
  roleCodes: roleCodes.nullish().transform((v) => v ?? []),
});
const updateUserInput = z.object({
  email: email.optional(),
  name: text(200).optional(),
  phone: phone.nullish(),
  password: password.optional(),
}).transform((v) => Object.fromEntries(Object.entries(v).filter(([, value]) => value !== undefined)) as Partial<typeof v>);
const createRoleInput = z.object({
  code: z.string().trim().regex(/^[A-Z][A-Z0-9_]{1,49}$/, 'upper-case letters, digits and _, e.g. NIGHT_SHIFT'),
  name: text(200),
  description: optionalText(1000),
  permissions: permissionCodes,
});
const updateRoleInput = z.object({
  name: text(200).optional(),
  description: optionalText(1000).optional(),
  permissions: permissionCodes.optional(),
});

const BUILT_IN = new Set<string>(ROLE_CODES);
const EMAIL_TAKEN = 'Another user already has this email.';

/** Every write here runs in one transaction on its own fork; the result is read afresh after commit. */
async function inTransaction<T>(ctx: ResolverContext, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return ctx.em.fork().transactional(work);
}

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
function assertWithinOwnPermissions(viewer: Viewer, codes: Iterable<string>, what = 'You cannot grant or revoke permissions you do not hold'): void {
  const beyond = [...new Set(codes)].filter((code) => !viewer.permissions.includes(code)).sort();
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
function assertMayManage(viewer: Viewer, user: User): void {
  assertWithinOwnPermissions(viewer, permissionsOf(user.roles.getItems()), 'You cannot change a user who holds permissions you do not');
}

async function assertEmailFree(em: EntityManager, address: string, exceptId?: string): Promise<void> {
  const holder = await em.findOne(User, { email: address });
  if (holder && holder.id !== exceptId) throw conflict(EMAIL_TAKEN, 'email');
}

const freshUser = (ctx: ResolverContext, id: string) => ctx.em.fork().findOneOrFail(User, { id }, { populate: ['roles'] });
const freshRole = (ctx: ResolverContext, code: string) => ctx.em.fork().findOneOrFail(Role, { code }, { populate: ['permissions'] });

async function setStatus(ctx: ResolverContext, id: string, target: 'active' | 'disabled', reason: string | null): Promise<User> {
  const viewer = requirePermission(ctx.viewer, 'users.write');
  if (target === 'disabled' && id === viewer.id) throw conflict('You cannot disable yourself.', 'id');
  await inTransaction(ctx, async (em) => {
    await lockOwners(em);
    const user = await userOrFail(em, id);
    assertMayManage(viewer, user);
    if (user.status === target) return;
    const isOwner = user.roles.getItems().some((r) => r.code === 'OWNER');
    if (target === 'disabled' && isOwner && (await otherActiveOwners(em, id)) === 0) {
      throw conflict('This is the last active owner: enable or appoint another owner first.', 'id');
    }
    // users.status is an account flag, not a workflow lifecycle: a direct write is the design.
    await execute(em, 'UPDATE users SET status = ?, updated_at = now() WHERE id = ?', [target, id]);
    await notifyViewerChanged(em, { userId: id });
    const revoked = target === 'disabled' ? await ctx.sessions.revokeUser(id, `disabled: ${reason ?? 'no reason given'}`, em) : 0;
    await recordAudit(em, {
      viewer, client: ctx.client, action: target === 'disabled' ? 'DISABLE' : 'ENABLE', entityType: 'user', entityId: id,
      before: { status: user.status }, after: { status: target }, metadata: { reason, sessionsRevoked: revoked },
    });
  });
  return freshUser(ctx, id);
}

export const userResolvers: Resolvers = {
  Query: {
    async users(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'users.read');
      const size = pageSize(args.first);
      const conditions: Record<string, unknown>[] = [];
      if (args.status) conditions.push({ status: args.status });
      if (args.roleCode) conditions.push({ roles: { code: args.roleCode } });
      const search = args.search?.trim();
      if (search) {
        const like = likePattern(search);
        // Without pii.read, partial matches on contacts would spell out what the mask hides.
        conditions.push({ $or: viewer.permissions.includes('pii.read')
          ? [{ name: { $ilike: like } }, { email: { $ilike: like } }, { phone: { $ilike: like } }]
          : [{ name: { $ilike: like } }, { email: search.toLowerCase() }] });
      }
      const after = afterCursor(args.after);
      if (after) conditions.push(after);
      const rows = await ctx.em.find(User, { $and: conditions }, {
        // The role filter must not narrow the roles listed on each user.
        populate: ['roles'], populateWhere: 'all', orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1,
      });
      return toConnection(rows, size);
    },
    async user(_, args, ctx) {
      requirePermission(ctx.viewer, 'users.read');
      return isUuid(args.id) ? ctx.em.findOne(User, { id: args.id }, { populate: ['roles'] }) : null;
    },
    async roles(_, __, ctx) {
      requirePermission(ctx.viewer, 'users.read');
      return ctx.em.find(Role, {}, { populate: ['permissions'], orderBy: { code: 'asc' } });
    },
    async permissions(_, __, ctx) {
      requirePermission(ctx.viewer, 'users.read');
      const rows = await ctx.em.find(Permission, {}, { orderBy: { code: 'asc' } });
      return rows.map((row) => ({ code: row.code, description: row.description }));
    },
  },
  Mutation: {
    async createUser(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'users.write');
      const input = parseInput(createUserInput, args.input);
      const passwordHash = await hashPassword(input.password);
      const id = await inTransaction(ctx, (em) => uniquely(async () => {
        const roles = await rolesByCode(em, input.roleCodes);
        assertWithinOwnPermissions(viewer, permissionsOf(roles));
        await assertEmailFree(em, input.email);
        const user = em.create(User, { email: input.email, name: input.name, phone: input.phone, passwordHash });
        user.roles.set(roles);
        await em.flush();
        await recordAudit(em, { viewer, client: ctx.client, action: 'CREATE', entityType: 'user', entityId: user.id, after: { ...userSnapshot(user), roles: input.roleCodes } });
        return user.id;
      }, { email: EMAIL_TAKEN }));
      return freshUser(ctx, id);
    },
    async updateUser(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'users.write');
      const input = parseInput(updateUserInput, args.input);
      const passwordHash = input.password ? await hashPassword(input.password) : undefined;
      await inTransaction(ctx, (em) => uniquely(async () => {
        const user = await userOrFail(em, args.id);
        assertMayManage(viewer, user);
        const before = userSnapshot(user);
        if (input.email && input.email !== user.email) await assertEmailFree(em, input.email, user.id);
        em.assign(user, { email: input.email ?? user.email, name: input.name ?? user.name, phone: input.phone === undefined ? user.phone : input.phone });
        if (passwordHash) user.passwordHash = passwordHash;
        await em.flush();
        await notifyViewerChanged(em, { userId: user.id });
        // A new password ends the sessions opened with the old one.
        const revoked = passwordHash ? await ctx.sessions.revokeUser(user.id, 'password changed', em) : 0;
        await recordAudit(em, {
          viewer, client: ctx.client, action: 'UPDATE', entityType: 'user', entityId: user.id, before, after: userSnapshot(user),
          metadata: { passwordChanged: Boolean(passwordHash), sessionsRevoked: revoked },
        });
      }, { email: EMAIL_TAKEN }));
      return freshUser(ctx, args.id);
    },
    disableUser: (_, args, ctx) => setStatus(ctx, args.id, 'disabled', args.reason?.trim() || null),
    enableUser: (_, args, ctx) => setStatus(ctx, args.id, 'active', null),
    async setUserRoles(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'users.write');
      const codes = parseInput(z.object({ roleCodes }), { roleCodes: args.roleCodes }).roleCodes;
      await inTransaction(ctx, async (em) => {
        await lockOwners(em);
        const user = await userOrFail(em, args.userId);
        assertMayManage(viewer, user);
        const current = user.roles.getItems();
        const next = await rolesByCode(em, codes);
        const added = next.filter((r) => !current.some((c) => c.id === r.id));
        const removed = current.filter((r) => !next.some((n) => n.id === r.id));
        assertWithinOwnPermissions(viewer, permissionsOf([...added, ...removed]));
        if (removed.some((r) => r.code === 'OWNER') && user.status === 'active' && (await otherActiveOwners(em, user.id)) === 0) {
          throw conflict('This is the last active owner: appoint another owner first.', 'roleCodes');
        }
        if (!added.length && !removed.length) return;
        user.roles.set(next);
        await em.flush();
        await notifyViewerChanged(em, { userId: user.id });
        // Losing a role ends the sessions, so open sockets stop receiving what it allowed.
        const revoked = removed.length ? await ctx.sessions.revokeUser(user.id, 'roles reduced', em) : 0;
        await recordAudit(em, {
          viewer, client: ctx.client, action: 'ROLES_CHANGE', entityType: 'user', entityId: user.id,
          before: { roles: current.map((r) => r.code).sort() }, after: { roles: [...codes].sort() }, metadata: { sessionsRevoked: revoked },
        });
      });
      return freshUser(ctx, args.userId);
    },
    async createRole(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'users.write');
      const input = parseInput(createRoleInput, args.input);
      assertWithinOwnPermissions(viewer, input.permissions);
      await inTransaction(ctx, (em) => uniquely(async () => {
        if (await em.count(Role, { code: input.code })) throw conflict(`A role ${input.code} already exists.`, 'code');
        const role = em.create(Role, { code: input.code, name: input.name, description: input.description });
        role.permissions.set(await em.find(Permission, { code: { $in: input.permissions } }));
        await em.flush();
        await recordAudit(em, { viewer, client: ctx.client, action: 'CREATE', entityType: 'role', entityId: role.id, after: roleSnapshot(role) });
      }, { code: `A role ${input.code} already exists.` }));
      return freshRole(ctx, input.code);
    },
    async updateRole(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'users.write');
      const input = parseInput(updateRoleInput, args.input);
      await inTransaction(ctx, async (em) => {
        const role = await customRoleOrFail(em, args.code);
        const before = roleSnapshot(role);
        const old = before.permissions;
        const next: readonly string[] | undefined = input.permissions;
        if (next) assertWithinOwnPermissions(viewer, [...old.filter((c) => !next.includes(c)), ...next.filter((c) => !old.includes(c))]);
        if (input.name !== undefined) role.name = input.name;
        if (input.description !== undefined) role.description = input.description;
        if (input.permissions) role.permissions.set(await em.find(Permission, { code: { $in: input.permissions } }));
        await em.flush();
        await notifyViewerChanged(em, { roleCode: role.code });
        const after = roleSnapshot(role);
        // Holders who lost a permission sign in again, as when they lose a role.
        const lost = old.some((code) => !after.permissions.includes(code));
        const holders = lost ? await em.getConnection().execute<Array<{ user_id: string }>>('SELECT user_id FROM user_roles WHERE role_id = ?', [role.id], 'all', em.getTransactionContext()) : [];
        for (const holder of holders) await ctx.sessions.revokeUser(holder.user_id, `role ${role.code} reduced`, em);
        await recordAudit(em, { viewer, client: ctx.client, action: 'UPDATE', entityType: 'role', entityId: role.id, before, after, metadata: { sessionsRevokedFor: holders.length } });
      });
      return freshRole(ctx, args.code);
    },
    async deleteRole(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'users.write');
      await inTransaction(ctx, async (em) => {
        const role = await customRoleOrFail(em, args.code);
        const [held] = await em.getConnection().execute<Array<{ n: number }>>('SELECT count(*)::int AS n FROM user_roles WHERE role_id = ?', [role.id], 'all', em.getTransactionContext());
        if (held?.n) throw conflict(`${held.n} user(s) hold ${role.code}: take it from them first.`, 'code');
        assertWithinOwnPermissions(viewer, role.permissions.getItems().map((p) => p.code));
        const before = roleSnapshot(role);
        role.permissions.removeAll();
        em.remove(role);
        await em.flush();
        await recordAudit(em, { viewer, client: ctx.client, action: 'DELETE', entityType: 'role', entityId: before.id, before });
      });
      return true;
    },
  },
  User: {
    // Staff contacts are personal data too: masked without pii.read, except one's own.
    email: (row, _, ctx) => (row.id === ctx.viewer?.id ? row.email : contactFor(ctx.viewer, { clientEmail: row.email }).clientEmail ?? ''),
    phone: (row, _, ctx) => (row.id === ctx.viewer?.id ? row.phone ?? null : contactFor(ctx.viewer, { clientPhone: row.phone }).clientPhone ?? null),
    roles: async (row) => (await row.roles.loadItems()).slice().sort((a, b) => a.code.localeCompare(b.code)),
  },
  Role: {
    builtIn: (row) => BUILT_IN.has(row.code),
    permissions: async (row) => (await row.permissions.loadItems()).map((p) => p.code).sort(),
  },
};

async function customRoleOrFail(em: EntityManager, code: string): Promise<Role> {
  if (BUILT_IN.has(code)) throw conflict(`${code} is a built-in role (seed §2) and cannot be changed; create a custom role instead.`, 'code');
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
