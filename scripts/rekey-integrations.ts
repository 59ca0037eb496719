/**
 * Re-seals every integration's secrets with the first key of INTEGRATIONS_KEYS (key rotation):
 *   1. put the new key first: INTEGRATIONS_KEYS=new:<key>,old:<key>
 *   2. DATABASE_URL=… INTEGRATIONS_KEYS=… npm run integrations:rekey
 *   3. restart with INTEGRATIONS_KEYS=new:<key> (the old key is no longer needed)
 * Values already sealed with the first key are left as they are, so running it twice is harmless.
 */
import { openOrm } from '../db/orm.ts';
import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { environmentKeyring } from '../platform/secret-box.ts';
import { resealAll } from '../services/integrations.ts';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, service: 'integrations-rekey' });
if (!config.database.url) {
  logger.fatal('DATABASE_URL is required (e.g. postgres://virel:virel@127.0.0.1:54329/virel)');
  process.exit(2);
}
const keyring = environmentKeyring();
const orm = await openOrm(config.database.url);
try {
  const changed = await resealAll(orm.em.fork(), keyring);
  logger.info({ changed, key: keyring.currentId }, `integration secrets re-sealed with key ${keyring.currentId}`);
} finally {
  await orm.close();
}
