/** An inquiry's conversation and the operator's reply (services/conversations.ts). */
import type { Message } from '../../../db/entities/index.ts';
import { maskEmail, maskPhone } from '../../../domain/masking.ts';
import type { Viewer } from '../../auth/sessions.ts';
import { requirePermission, requireViewer } from '../../auth/authorize.ts';
import type { Resolvers } from '../generated/types.ts';
import { callerOf, servicesOf } from '../services.ts';

/** The client's address as this viewer may see it: whole with pii.read, masked otherwise. */
function addressFor(viewer: Viewer | undefined, row: Message): string {
  if (viewer?.permissions.includes('pii.read')) return row.recipient;
  if (row.recipient.includes('@')) return maskEmail(row.recipient) ?? '***';
  if (row.channel === 'partner') return row.recipient;
  return maskPhone(row.channel === 'whatsapp' ? `+${row.recipient}` : row.recipient) ?? '***';
}

export const conversationResolvers: Resolvers = {
  Mutation: {
    async replyToInquiry(_, args, ctx) {
      const viewer = requirePermission(ctx, 'inquiries.write');
      return servicesOf(ctx).conversations.reply(callerOf(ctx, viewer), args.id, args.text);
    },
  },
  Inquiry: {
    async conversation(row, _, ctx) {
      const viewer = requireViewer(ctx);
      return servicesOf(ctx).conversations.messagesOf(callerOf(ctx, viewer), row.id);
    },
  },
  ConversationMessage: {
    direction: (row) => row.direction as 'inbound' | 'outbound',
    address: (row, _, ctx) => addressFor(ctx.viewer, row),
    text: (row) => row.bodyText,
    at: (row) => row.createdAt,
  },
};
