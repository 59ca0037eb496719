/**
 * POST /api/v1/inbound/telegram/<code>: Bot API updates (setWebhook with secret_token). Telegram
 * sends the secret in X-Telegram-Bot-Api-Secret-Token; it must equal the integration's
 * webhookSecret (401 otherwise, nothing stored). An update is stored once by its update_id.
 */
import { equalSecrets, parseBody, type InboundEdge } from './edge.ts';

export function telegramHandler(edge: InboundEdge) {
  return edge.handle(async (req, res) => {
    const integration = await edge.integrationOf(String(req.params.code), 'telegram');
    const expected = integration.secrets.webhookSecret;
    if (!expected) await edge.refuse(integration, 503, 'The Telegram integration has no webhookSecret: set it (and pass it to setWebhook as secret_token).');
    const given = req.header('x-telegram-bot-api-secret-token');
    if (!given || !equalSecrets(given, expected as string)) await edge.refuse(integration, 401, 'The X-Telegram-Bot-Api-Secret-Token header is missing or wrong.');
    const update = parseBody(req);
    if (typeof update.update_id !== 'number') await edge.refuse(integration, 400, 'Not a Telegram update (update_id is required).');
    await edge.accept(res, integration, { idempotencyKey: `update:${String(update.update_id)}`, eventType: 'telegram.update', headers: {}, payload: update });
  });
}
