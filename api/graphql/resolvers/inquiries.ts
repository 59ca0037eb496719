/**
 * Inquiry queries read PostgreSQL; createInquiry starts the inquiry's lifecycle workflow
 * with update-with-start and returns once the workflow has committed the row.
 */
import { GraphQLError } from 'graphql';
import { z } from 'zod';
import { Inquiry } from '../../../db/entities/index.ts';
import { INQUIRY_SOURCES, PRIORITIES } from '../../../domain/inquiry.ts';
import type { InquiryWorkflowInput } from '../../../workflows/inquiry/messages.ts';
import { startInquiry, workflowIdOfRow } from '../../lifecycle-commands.ts';
import { canSee, contactFor, requirePermission } from '../../auth/authorize.ts';
import type { Resolvers } from '../generated/types.ts';
import { newEntityId } from '../idempotency.ts';
import { decodeCursor, pageSize, toConnection } from '../connection.ts';

const optionalText = (max: number) => z.string().trim().max(max).optional().nullable().transform((v) => v || undefined);

/** What GraphQL's types cannot say: lengths, email shape, a time window that makes sense. */
const createInquiryInput = z
  .object({
    source: z.enum(INQUIRY_SOURCES),
    externalRef: z.string().trim().min(1).max(200).regex(/^[\w.:@#/-]+$/, 'letters, digits and . _ : @ # / - only').optional().nullable(),
    priority: z.enum(PRIORITIES).default('normal'),
    subject: optionalText(300),
    message: optionalText(10_000),
    clientName: optionalText(200),
    clientEmail: z.email().max(320).optional().nullable(),
    clientPhone: z.string().trim().regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number').optional().nullable(),
    requestedTimeFrom: z.date().optional().nullable(),
    requestedTimeTo: z.date().optional().nullable(),
  })
  .refine((v) => !v.requestedTimeFrom || !v.requestedTimeTo || v.requestedTimeFrom < v.requestedTimeTo, {
    message: 'requestedTimeFrom must be before requestedTimeTo',
    path: ['requestedTimeTo'],
  });

export function validationError(error: z.ZodError): GraphQLError {
  const first = error.issues[0];
  const field = first?.path.join('.') ?? '';
  return new GraphQLError(`Invalid input: ${field ? `${field}: ` : ''}${first?.message ?? 'invalid'}`, {
    extensions: { code: 'VALIDATION', field, issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
  });
}


const assigneeOf = (row: Inquiry): string | null => (row.assignedTo as { id: string } | null)?.id ?? null;

export const inquiryResolvers: Resolvers = {
  Query: {
    async inquiry(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'inquiries.read');
      if (!z.uuid().safeParse(args.id).success) return null;
      const row = await ctx.em.findOne(Inquiry, { id: args.id });
      // Out of the viewer's policy reads the same as absent: it reveals nothing.
      return row && canSee(viewer, assigneeOf(row)) ? row : null;
    },
    async inquiries(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'inquiries.read');
      const size = pageSize(args.first);
      const conditions: Record<string, unknown>[] = [];
      if (args.status) conditions.push({ status: args.status });
      if (!viewer.permissions.includes('entities.read_all')) conditions.push({ $or: [{ assignedTo: viewer.id }, { assignedTo: null }] });
      if (args.after) {
        const c = decodeCursor(args.after);
        conditions.push({ $or: [{ createdAt: { $lt: c.createdAt } }, { createdAt: c.createdAt, id: { $lt: c.id } }] });
      }
      const rows = await ctx.em.find(Inquiry, { $and: conditions }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 });
      return toConnection(rows, size);
    },
  },
  Mutation: {
    async createInquiry(_, args, ctx) {
      const viewer = requirePermission(ctx.viewer, 'inquiries.write');
      const parsed = createInquiryInput.safeParse(args.input);
      if (!parsed.success) throw validationError(parsed.error);
      const input = parsed.data;
      const id = newEntityId(ctx, 'inquiry');
      const workflowInput: InquiryWorkflowInput = {
        inquiry: {
          id,
          source: input.source,
          externalRef: input.externalRef ?? undefined,
          priority: input.priority,
          subject: input.subject,
          message: input.message,
          clientName: input.clientName,
          clientEmail: input.clientEmail ?? undefined,
          clientPhone: input.clientPhone ?? undefined,
          requestedTimeFrom: input.requestedTimeFrom?.toISOString(),
          requestedTimeTo: input.requestedTimeTo?.toISOString(),
        },
        actor: { type: 'user', userId: viewer.id },
        requestId: ctx.requestId,
      };
      const workflowId = workflowIdOfRow('inquiry', { id, source: input.source, externalRef: input.externalRef ?? null });
      const { created } = await startInquiry(ctx.temporal, workflowInput.inquiry, { actor: workflowInput.actor, requestId: workflowInput.requestId }, {
        staticSummary: `Inquiry from ${input.source}${input.externalRef ? ` (${input.externalRef})` : ''}${input.clientName ? ` • ${input.clientName}` : ''}`,
        staticDetails: [
          `**Inquiry** ${id}`,
          `Source: ${input.source}${input.externalRef ? `, external ref ${input.externalRef}` : ''}`,
          `Priority: ${input.priority}`,
          input.subject ? `Subject: ${input.subject}` : undefined,
        ].filter(Boolean).join('\n\n'),
      });
      const inquiry = await ctx.em.findOneOrFail(Inquiry, { id: created.entityId });
      ctx.log.info({ inquiryId: inquiry.id, ref: inquiry.ref, workflowId, firstDelivery: created.firstDelivery }, 'inquiry created');
      return { inquiry, created: created.firstDelivery };
    },
  },
  Inquiry: {
    clientEmail: (row, _, ctx) => contactFor(ctx.viewer, { clientEmail: row.clientEmail }).clientEmail,
    clientPhone: (row, _, ctx) => contactFor(ctx.viewer, { clientPhone: row.clientPhone }).clientPhone,
    workflowId: (inquiry) => workflowIdOfRow('inquiry', inquiry),
  },
};
