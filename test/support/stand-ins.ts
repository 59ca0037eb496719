/**
 * Local HTTP stand-ins of the third-party APIs the messaging layer calls (the real ones are on
 * the internet, out of reach of tests): Telegram's Bot API `sendMessage` and WhatsApp's Cloud API
 * `/{phone-number-id}/messages`, answering as those APIs document (success and error shapes),
 * plus a webhook receiver. Each records every request exactly as received, and can be told to
 * fail, so tests check the exact requests the adapters make and how failures are handled.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** The raw body, as received. */
  readonly body: string;
  readonly json: unknown;
}

export interface StandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers for the next requests (status and JSON body), before the normal behaviour resumes. */
  failNext(count: number, status: number, body?: unknown): void;
  stop(): Promise<void>;
}

type Answer = { status: number; body: unknown };

async function startStandIn(handle: (request: RecordedRequest) => Answer): Promise<StandIn> {
  const requests: RecordedRequest[] = [];
  const failures: Answer[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        // not JSON: recorded as is
      }
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json };
      requests.push(request);
      const answer = failures.shift() ?? handle(request);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(count, status, body = {}) {
      for (let i = 0; i < count; i++) failures.push({ status, body });
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * Telegram Bot API: POST /bot<token>/sendMessage and GET /bot<token>/getMe. Unknown token 401;
 * chat "0" 400 "chat not found"; chat "-1" always 500.
 */
export function startTelegramStandIn(token: string): Promise<StandIn> {
  let nextId = 1000;
  return startStandIn(({ method, path, json }) => {
    if (path === `/bot${token}/getMe`) return { status: 200, body: { ok: true, result: { id: Number(token.split(':')[0]) || 1, is_bot: true, first_name: 'Virel', username: 'virel_standin_bot' } } };
    if (method !== 'POST' || path !== `/bot${token}/sendMessage`) {
      return { status: path.startsWith('/bot') && !path.startsWith(`/bot${token}/`) ? 401 : 404, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
    }
    const { chat_id: chatId, text } = (json ?? {}) as { chat_id?: string; text?: string };
    if (!chatId || !text) return { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message text is empty' } };
    if (chatId === '0') return { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } };
    if (chatId === '-1') return { status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } };
    return { status: 200, body: { ok: true, result: { message_id: nextId++, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId), type: 'private' }, text } } };
  });
}

/** WhatsApp Cloud API: POST /<phone-number-id>/messages and GET /<phone-number-id> (its record), with a bearer token. */
export function startWhatsAppStandIn(phoneNumberId: string, accessToken: string): Promise<StandIn> {
  let nextId = 1;
  return startStandIn(({ method, path, headers, json }) => {
    if (headers.authorization !== `Bearer ${accessToken}`) {
      return { status: 401, body: { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } } };
    }
    if (method === 'GET' && path.split('?')[0] === `/${phoneNumberId}`) {
      return { status: 200, body: { id: phoneNumberId, display_phone_number: '+44 7700 900000', verified_name: 'Virel' } };
    }
    if (method !== 'POST' || path !== `/${phoneNumberId}/messages`) return { status: 404, body: { error: { message: 'Unknown path', type: 'GraphMethodException', code: 100 } } };
    const { to } = (json ?? {}) as { to?: string };
    return { status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id: `wamid.STANDIN${nextId++}` }] } };
  });
}

/** A webhook receiver: 200 `{}` to every POST unless told to fail. */
export function startWebhookReceiver(): Promise<StandIn> {
  return startStandIn(() => ({ status: 200, body: { received: true } }));
}
