/**
 * WhatsApp Cloud API webhooks. GET /api/v1/inbound/whatsapp/<code>: the verification handshake
 * (hub.mode=subscribe and the integration's verifyToken: the hub.challenge is echoed; 403
 * otherwise). POST: notifications signed in X-Hub-Signature-256 (HMAC-SHA256 of the raw body
 * with the app secret; 401 otherwise, nothing stored), stored once by the message ids they carry.
 */
import { createHash, createHmac } from 'node:crypto';
import { logIntegration } from '../../../services/integrations.ts';
import { equalSecrets, parseBody, type InboundEdge } from './edge.ts';

export function whatsAppHandshakeHandler(edge: InboundEdge) {
  return edge.handle(async (req, res) => {
    const integration = await edge.integrationOf(String(req.params.code), 'whatsapp');
    const mode = req.query['hub.mode'];
    const token = req.query['hub.verify_token'];
    const challenge = req.query['hub.challenge'];
    const expected = integration.secrets.verifyToken;
    if (mode !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string' || !expected || !equalSecrets(token, expected)) {
      await edge.refuse(integration, 403, 'The verification handshake needs hub.mode=subscribe, the configured hub.verify_token and a hub.challenge.');
    }
    await logIntegration(edge.orm.em.fork(), integration.id, { kind: 'webhook_in', outcome: 'ok', summary: 'verification handshake answered' });
    res.status(200).type('text/plain').send(String(challenge));
  });
}

export function whatsAppHandler(edge: InboundEdge) {
  return edge.handle(async (req, res) => {
    const integration = await edge.integrationOf(String(req.params.code), 'whatsapp');
    const appSecret = integration.secrets.appSecret;
    if (!appSecret) await edge.refuse(integration, 503, 'The WhatsApp integration has no appSecret to verify X-Hub-Signature-256 with.');
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = req.header('x-hub-signature-256') ?? '';
    const expected = `sha256=${createHmac('sha256', appSecret as string).update(body).digest('hex')}`;
    if (!signature || !equalSecrets(signature, expected)) await edge.refuse(integration, 401, 'The X-Hub-Signature-256 header is missing or does not match the body.');
    const payload = parseBody(req);
    if (payload.object !== 'whatsapp_business_account') await edge.refuse(integration, 400, 'Not a WhatsApp Business Account notification.');
    // The messages it carries name it (a redelivery carries the same ids); else the body itself.
    const ids = JSON.stringify(payload).match(/"id":"wamid\.[^"]+"/g)?.map((m) => m.slice(6, -1)).sort() ?? [];
    const key = ids.length ? `messages:${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 40)}` : `body:${createHash('sha256').update(body).digest('hex').slice(0, 40)}`;
    await edge.accept(res, integration, { idempotencyKey: key, eventType: 'whatsapp.notification', headers: {}, payload });
  });
}
