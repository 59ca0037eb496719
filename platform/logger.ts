/**
 * Structured JSON logs (pino) for every process. Child loggers carry the process role
 * and, in the API, the request id, so one request can be followed across log lines.
 * PII never reaches a log line: fields that carry contacts or message content are redacted
 * wherever they appear at the top level or one level down (pino's fast-redact paths).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Field names that hold personal data or message content (recipients, bodies, template variables). */
export const PII_FIELDS = ['email', 'phone', 'to', 'recipient', 'chatId', 'chat_id', 'bodyText', 'bodyHtml', 'text', 'html', 'variables', 'payload'] as const;
export const REDACTED_PATHS = PII_FIELDS.flatMap((field) => [field, `*.${field}`]);

/**
 * `destination`: where lines go (tests capture them to prove what is never logged). By default,
 * stdout written synchronously: pino's own default writes asynchronously, so a line logged just
 * before `process.exit` could be lost or printed after a later one (the launcher's "postgres
 * stopped" came after its "all stopped"). One write per line is cheap next to what a line records.
 */
export function createLogger(options: { level: string; service: string; destination?: DestinationStream }): Logger {
  return pino({
    level: options.level,
    base: { service: options.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  }, options.destination ?? pino.destination({ dest: 1, sync: true }));
}
