/**
 * The inbound channels' endpoints (issue 12 item 4). Each verifies a request as its platform
 * specifies, stores it once (services/inbound.ts), acknowledges at once, and only then delivers
 * it (a new inquiry through update-with-start, or a Signal to the open one).
 *
 *   POST /api/v1/inbound/web-form/:code   web-form.ts: public; spam checks (422), per-address limit (429)
 *   POST /api/v1/inbound/partner          partner.ts: partner API key, Idempotency-Key
 *   POST /api/v1/inbound/telegram/:code   telegram.ts: X-Telegram-Bot-Api-Secret-Token
 *   GET  /api/v1/inbound/whatsapp/:code   whatsapp.ts: the hub.mode=subscribe handshake
 *   POST /api/v1/inbound/whatsapp/:code   whatsapp.ts: X-Hub-Signature-256
 *
 * A request refused (unknown integration 404, disabled 503, bad signature 401, spam 422, rate
 * limit 429, malformed 400) stores nothing; every refusal of a known integration is in its log.
 */
import express from 'express';
import { createInboundEdge, type InboundOptions } from './edge.ts';
import { partnerHandler } from './partner.ts';
import { telegramHandler } from './telegram.ts';
import { webFormHandler } from './web-form.ts';
import { whatsAppHandler, whatsAppHandshakeHandler } from './whatsapp.ts';

export type { InboundOptions };

export const INBOUND_PATHS = {
  webForm: '/api/v1/inbound/web-form/:code',
  partner: '/api/v1/inbound/partner',
  telegram: '/api/v1/inbound/telegram/:code',
  whatsapp: '/api/v1/inbound/whatsapp/:code',
} as const;

export function inboundRoutes(options: InboundOptions) {
  const edge = createInboundEdge(options);
  const router = express.Router();
  router.post(INBOUND_PATHS.webForm, edge.raw, webFormHandler(edge));
  router.post(INBOUND_PATHS.partner, edge.raw, partnerHandler(edge));
  router.post(INBOUND_PATHS.telegram, edge.raw, telegramHandler(edge));
  router.get(INBOUND_PATHS.whatsapp, whatsAppHandshakeHandler(edge));
  router.post(INBOUND_PATHS.whatsapp, edge.raw, whatsAppHandler(edge));
  return router;
}
