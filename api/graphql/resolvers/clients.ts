/**
 * Clients (seed §3, §6.4). Clients are not assigned to anyone, so every clients.read holder sees
 * all of them; without pii.read their emails and phones are masked, and search cannot be used to
 * spell them out (partial matches only on the name, contacts only when given in full). The money
 * a client has paid is a finance field: payments.read only.
 */
import { z } from 'zod';
import { Client } from '../../../db/entities/index.ts';
import { contactFor, requirePermission } from '../../auth/authorize.ts';
import { pageOf } from '../connection.ts';
import type { Resolvers } from '../generated/types.ts';
import { callerOf, servicesOf } from '../services.ts';
import { email, isUuid, likePattern, optionalText, parseInput, phone } from '../validation.ts';

const CHANNELS = ['web', 'telegram', 'whatsapp', 'phone'] as const;
const tags = z.array(z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'letters, digits, _ and -, at most 40'))
  .max(20).transform((list) => [...new Set(list)]);

const createClientInput = z.object({
  fullName: optionalText(200),
  email: email.nullish().transform((v) => v ?? null),
  phone: phone.nullish().transform((v) => v ?? null),
  preferredChannel: z.enum(CHANNELS).nullish().transform((v) => v ?? null),
  tags: tags.nullish().transform((v) => v ?? []),
}).refine((v) => v.fullName || v.email || v.phone, { message: 'a client needs a name, an email or a phone', path: ['fullName'] });

/** Absent keys stay as they are; null clears. */
const updateClientInput = z.object({
  fullName: optionalText(200).optional(),
  email: email.nullish(),
  phone: phone.nullish(),
  preferredChannel: z.enum(CHANNELS).nullish(),
  tags: tags.nullish(),
});

const digitsOf = (value: string) => value.replace(/[^\d+]/g, '');

export const clientResolvers: Resolvers = {
  Query: {
    async clients(_, args, ctx) {
      const viewer = requirePermission(ctx, 'clients.read');
      return pageOf(ctx.em, Client, args, (where) => {
        if (args.preferredChannel) where({ preferredChannel: args.preferredChannel });
        if (args.tag?.trim()) where({ tags: { $contains: [args.tag.trim().toLowerCase()] } });
        const search = args.search?.trim();
        if (search) {
          const byName = { fullName: { $ilike: likePattern(search) } };
          if (viewer.permissions.includes('pii.read')) {
            where({ $or: [byName, { email: { $ilike: likePattern(search) } }, { phone: { $ilike: likePattern(search) } }] });
          } else {
            where({ $or: [byName, { email: search.toLowerCase() }, ...(digitsOf(search).length >= 6 ? [{ phone: digitsOf(search) }] : [])] });
          }
        }
      });
    },
    async client(_, args, ctx) {
      requirePermission(ctx, 'clients.read');
      return isUuid(args.id) ? ctx.em.findOne(Client, { id: args.id }) : null;
    },
  },
  Mutation: {
    async createClient(_, args, ctx) {
      const viewer = requirePermission(ctx, 'clients.write');
      const input = parseInput(createClientInput, args.input);
      return servicesOf(ctx).clients.createClient(callerOf(ctx, viewer), input);
    },
    async updateClient(_, args, ctx) {
      const viewer = requirePermission(ctx, 'clients.write');
      const input = parseInput(updateClientInput, args.input);
      return servicesOf(ctx).clients.updateClient(callerOf(ctx, viewer), args.id, input);
    },
  },
  Client: {
    email: (row, _, ctx) => contactFor(ctx.viewer, { clientEmail: row.email }).clientEmail ?? null,
    phone: (row, _, ctx) => contactFor(ctx.viewer, { clientPhone: row.phone }).clientPhone ?? null,
    preferredChannel: (row) => (CHANNELS as readonly string[]).includes(row.preferredChannel ?? '') ? row.preferredChannel as (typeof CHANNELS)[number] : null,
    tags: (row) => row.tags ?? [],
    async totalPaid(row, _, ctx) {
      if (!ctx.viewer?.permissions.includes('payments.read')) return null;
      const [sum] = await ctx.em.getConnection().execute<Array<{ total: string }>>(`
        SELECT coalesce(sum(CASE WHEN p.type = 'refund' THEN -p.amount ELSE p.amount END), 0)::numeric(12,2)::text AS total
          FROM payments p JOIN bookings b ON b.id = p.booking_id
         WHERE b.client_id = ? AND p.status = 'succeeded'`, [row.id]);
      return sum?.total ?? '0.00';
    },
  },
};
