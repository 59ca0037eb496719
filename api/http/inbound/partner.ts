/**
 * POST /api/v1/inbound/partner: a partner posts a lead with its API key (Authorization: Bearer;
 * the key is stored as an argon2 hash, services/integrations.ts) and an Idempotency-Key (the same
 * key again is the same lead). The partner's `reference` is the conversation: a later message
 * about the same reference reaches the open inquiry.
 */
import { z } from 'zod';
import { PHONE_PATTERN, normalizePhone } from '../../../domain/formats.ts';
import { MAX_TEXT, type InboundMessage } from '../../../domain/inbound.ts';
import { partnerOfApiKey } from '../../../services/integrations.ts';
import { parseBody, problemOf, Refusal, type InboundEdge } from './edge.ts';

const partnerLead = z.object({
  /** The partner's own reference of the lead: its conversation with us. */
  reference: z.string().trim().regex(/^[A-Za-z0-9_.:-]{1,100}$/, '1-100 letters, digits, _ . : -'),
  name: z.string().trim().max(200).optional(),
  email: z.email().max(320).optional(),
  phone: z.string().trim().regex(PHONE_PATTERN, 'a phone number such as +447700900123').optional(),
  subject: z.string().trim().max(500).optional(),
  message: z.string().trim().min(1).max(MAX_TEXT),
}).strict();

export function partnerHandler(edge: InboundEdge) {
  return edge.handle(async (req, res) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '')?.[1];
    const integration = bearer ? await partnerOfApiKey(edge.orm.em.fork(), bearer) : null;
    if (!integration) throw new Refusal(401, 'A partner API key is required: Authorization: Bearer <key>.', { 'www-authenticate': 'Bearer' });
    await edge.refuseDisabled(integration);
    const idempotencyKey = req.header('idempotency-key')?.trim();
    if (!idempotencyKey || !/^[\x21-\x7e]{8,200}$/.test(idempotencyKey)) await edge.refuse(integration, 400, 'An Idempotency-Key header (8-200 visible characters) is required.');
    const parsed = partnerLead.safeParse(parseBody(req));
    if (!parsed.success) return edge.refuse(integration, 400, problemOf(parsed.error));
    const lead = parsed.data;
    const message: InboundMessage = {
      source: 'partner', messageRef: `${lead.reference}:${idempotencyKey}`, address: lead.reference, text: lead.message, subject: lead.subject,
      clientName: lead.name, clientEmail: lead.email?.toLowerCase(), clientPhone: lead.phone ? normalizePhone(lead.phone) : undefined, sentAt: new Date().toISOString(),
    };
    await edge.accept(res, integration, { idempotencyKey: `idempotency:${idempotencyKey}`, eventType: 'partner.lead', headers: { 'user-agent': req.header('user-agent') ?? '' }, payload: { message } }, 202);
  });
}
