/**
 * Users, roles and permissions (seed §2, §6.1). Disabling a user or taking a role away ends their
 * sessions in the same transaction (the NOTIFY closes their sockets once it commits); every other
 * change applies from their next request, which reloads roles. The last active owner cannot be
 * disabled or lose OWNER, and nobody grants (or takes away) permissions they do not hold. Staff
 * emails and phones are masked like clients' for viewers without pii.read.
 */
import { z } from 'zod';
import { Permission, Role, User } from '../../../db/entities/index.ts';
import { PERMISSIONS, type PermissionCode } from '../../../domain/access.ts';
import { BUILT_IN_ROLES } from '../../../services/users.ts';
import { contactFor, requirePermission } from '../../auth/authorize.ts';
import { pageOf } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { callerOf, servicesOf } from '../services.ts';
import { email, isUuid, likePattern, optionalText, parseInput, phone, text } from '../validation.ts';

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

export const userResolvers: Resolvers = {
  Query: {
    async users(_, args, ctx) {
      const viewer = requirePermission(ctx, 'users.read');
      // The role filter must not narrow the roles listed on each user.
      const withAllRoles = { populate: ['roles'], populateWhere: 'all' } as const;
      return pageOf(ctx.em, User, args, (where) => {
        if (args.status) where({ status: args.status });
        if (args.roleCode) where({ roles: { code: args.roleCode } });
        const search = args.search?.trim();
        if (search) {
          const like = likePattern(search);
          // Without pii.read, partial matches on contacts would spell out what the mask hides.
          where({ $or: viewer.permissions.includes('pii.read')
            ? [{ name: { $ilike: like } }, { email: { $ilike: like } }, { phone: { $ilike: like } }]
            : [{ name: { $ilike: like } }, { email: search.toLowerCase() }] });
        }
      }, withAllRoles);
    },
    async user(_, args, ctx) {
      requirePermission(ctx, 'users.read');
      return isUuid(args.id) ? ctx.em.findOne(User, { id: args.id }, { populate: ['roles'] }) : null;
    },
    async roles(_, __, ctx) {
      requirePermission(ctx, 'users.read');
      return ctx.em.find(Role, {}, { populate: ['permissions'], orderBy: { code: 'asc' } });
    },
    async permissions(_, __, ctx) {
      requirePermission(ctx, 'users.read');
      const rows = await ctx.em.find(Permission, {}, { orderBy: { code: 'asc' } });
      return rows.map((row) => ({ code: row.code, description: row.description }));
    },
  },
  Mutation: {
    async createUser(_, args, ctx) {
      const viewer = requirePermission(ctx, 'users.write');
      const input = parseInput(createUserInput, args.input);
      return servicesOf(ctx).users.createUser(callerOf(ctx, viewer), input);
    },
    async updateUser(_, args, ctx) {
      const viewer = requirePermission(ctx, 'users.write');
      const input = parseInput(updateUserInput, args.input);
      return servicesOf(ctx).users.updateUser(callerOf(ctx, viewer), args.id, input);
    },
    async disableUser(_, args, ctx) {
      const viewer = requirePermission(ctx, 'users.write');
      return servicesOf(ctx).users.disableUser(callerOf(ctx, viewer), args.id, args.reason?.trim() || null);
    },
    async enableUser(_, args, ctx) {
      const viewer = requirePermission(ctx, 'users.write');
      return servicesOf(ctx).users.enableUser(callerOf(ctx, viewer), args.id);
    },
    async setUserRoles(_, args, ctx) {
      const viewer = requirePermission(ctx, 'users.write');
      const codes = parseInput(z.object({ roleCodes }), { roleCodes: args.roleCodes }).roleCodes;
      return servicesOf(ctx).users.setUserRoles(callerOf(ctx, viewer), args.userId, codes);
    },
    async createRole(_, args, ctx) {
      const viewer = requirePermission(ctx, 'users.write');
      const input = parseInput(createRoleInput, args.input);
      return servicesOf(ctx).users.createRole(callerOf(ctx, viewer), input);
    },
    async updateRole(_, args, ctx) {
      const viewer = requirePermission(ctx, 'users.write');
      const input = parseInput(updateRoleInput, args.input);
      return servicesOf(ctx).users.updateRole(callerOf(ctx, viewer), args.code, input);
    },
    async deleteRole(_, args, ctx) {
      const viewer = requirePermission(ctx, 'users.write');
      return servicesOf(ctx).users.deleteRole(callerOf(ctx, viewer), args.code);
    },
  },
  User: {
    // Staff contacts are personal data too: masked without pii.read, except one's own.
    email: (row, _, ctx) => (row.id === ctx.viewer?.id ? row.email : contactFor(ctx.viewer, { clientEmail: row.email }).clientEmail ?? ''),
    phone: (row, _, ctx) => (row.id === ctx.viewer?.id ? row.phone ?? null : contactFor(ctx.viewer, { clientPhone: row.phone }).clientPhone ?? null),
    roles: async (row) => (await row.roles.loadItems()).slice().sort((a, b) => a.code.localeCompare(b.code)),
  },
  Role: {
    builtIn: (row) => BUILT_IN_ROLES.has(row.code),
    permissions: async (row) => (await row.permissions.loadItems()).map((p) => p.code).sort(),
  },
};

