/**
 * POST /api/v1/inbound/web-form/<code>: the agency site's public form (JSON, or urlencoded as a
 * plain HTML form posts it). Refused, storing nothing: more than `perAddressPerHour` submissions
 * stored from the client's address in the last hour (429 with Retry-After), a malformed form (400),
 * spam (422: the honeypot field filled, filled faster than `minFillSeconds`, a throwaway email
 * domain; domain/inbound.ts). A double submit of one form (its submission_id, else its contents) is
 * one inquiry; a later submission from the same email or phone reaches its open inquiry.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PHONE_PATTERN, normalizePhone } from '../../../domain/formats.ts';
import { MAX_TEXT, webFormSpamReason, type InboundMessage } from '../../../domain/inbound.ts';
import { WEB_FORM_DEFAULTS } from '../../../domain/integrations.ts';
import { recentSubmissions } from '../../../services/inbound.ts';
import { parseBody, problemOf, type InboundEdge } from './edge.ts';

const webForm = z.object({
  name: z.string().trim().max(200).optional(),
  email: z.email().max(320).optional(),
  phone: z.string().trim().regex(PHONE_PATTERN, 'a phone number such as +447700900123').optional(),
  subject: z.string().trim().max(500).optional(),
  message: z.string().trim().min(1, 'write a message').max(MAX_TEXT),
  /** The honeypot: hidden from people by the form's CSS. */
  website: z.string().max(500).optional(),
  /** When the form was rendered (ms since the epoch), put in a hidden field by the page. */
  rendered_at: z.coerce.number().optional(),
  /** A per-render id from the page: a double submit of one form is one inquiry. */
  submission_id: z.string().trim().regex(/^[A-Za-z0-9_-]{8,100}$/).optional(),
}).refine((f) => f.email || f.phone, { message: 'give an email or a phone number', path: ['email'] });

export function webFormHandler(edge: InboundEdge) {
  return edge.handle(async (req, res) => {
    const integration = await edge.integrationOf(String(req.params.code), 'web_form');
    const settings = { ...WEB_FORM_DEFAULTS, ...integration.settings } as typeof WEB_FORM_DEFAULTS;
    const ip = req.ip ?? 'unknown';
    // Per client address, counted in the database so every API process sees the same count.
    const recent = await recentSubmissions(edge.orm.em.fork(), integration.id, ip);
    if (recent.count >= settings.perAddressPerHour) {
      const retry = recent.oldest ? Math.max(1, Math.ceil((recent.oldest.getTime() + 3600_000 - Date.now()) / 1000)) : 3600;
      await edge.refuse(integration, 429, `Too many submissions from this address: at most ${settings.perAddressPerHour} an hour. Try again in ${retry} seconds.`, { 'retry-after': String(retry) });
    }
    const parsed = webForm.safeParse(parseBody(req));
    if (!parsed.success) return edge.refuse(integration, 400, problemOf(parsed.error));
    const form = parsed.data;
    const spam = webFormSpamReason({ honeypot: form.website, renderedAt: form.rendered_at, email: form.email }, edge.now(), settings.minFillSeconds);
    if (spam) return edge.refuse(integration, 422, `Refused as spam: ${spam}.`);
    const email = form.email?.toLowerCase();
    const phone = form.phone ? normalizePhone(form.phone) : undefined;
    const address = email ?? (phone as string);
    const key = form.submission_id ? `submission:${form.submission_id}` : `digest:${createHash('sha256').update(JSON.stringify([address, form.subject ?? '', form.message])).digest('hex').slice(0, 32)}`;
    const message: InboundMessage = {
      source: 'web', messageRef: key, address, text: form.message, subject: form.subject, clientName: form.name, clientEmail: email, clientPhone: phone, sentAt: new Date(edge.now()).toISOString(),
    };
    await edge.accept(res, integration, { idempotencyKey: key, eventType: 'web_form.submitted', headers: { ip, 'user-agent': req.header('user-agent') ?? '' }, payload: { message } }, 202);
  });
}
