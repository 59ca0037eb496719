/**
 * The development mail catcher: a real SMTP server with a web inbox (npm `maildev` 3), started
 * by `npm start` when SMTP_HOST is unset, so a person sees the emails rules send (deposit
 * reminders ...) without a mail account. Mail is kept in DATA_DIR/mail across restarts.
 */
import path from 'node:path';
import { MailDev } from 'maildev';
import { assertPortFree } from './ports.ts';

export interface MailCatcher {
  readonly smtpHost: string;
  readonly smtpPort: number;
  /** The web inbox. */
  readonly inboxUrl: string;
  stop(): Promise<void>;
}

export async function startMailCatcher(options: { dataDir: string; smtpPort: number; webPort: number; host?: string }): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  await assertPortFree(host, options.smtpPort, 'mail catcher SMTP', 'MAIL_CATCHER_SMTP_PORT');
  await assertPortFree(host, options.webPort, 'mail catcher inbox', 'MAIL_CATCHER_WEB_PORT');
  const maildev = new MailDev({
    smtp: options.smtpPort, ip: host, web: options.webPort, webIp: host,
    mailDirectory: path.join(options.dataDir, 'mail'), maxEmails: 1000, silent: true,
  });
  await maildev.start();
  return {
    smtpHost: host,
    smtpPort: options.smtpPort,
    inboxUrl: `http://${host}:${options.webPort}/index.html`,
    stop: () => maildev.stop(),
  };
}
