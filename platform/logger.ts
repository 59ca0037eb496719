/**
 * Structured JSON logs (pino) for every process. Child loggers carry the process role
 * and, in the API, the request id, so one request can be followed across log lines.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level: string; service: string }): Logger {
  return pino({
    level: options.level,
    base: { service: options.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
