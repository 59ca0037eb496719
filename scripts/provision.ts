/**
 * Provisions the binaries the platform and its tests need that npm cannot bring:
 * the Temporal CLI (dev server + UI) and the time-skipping test server.
 * Idempotent; safe to run before every test run.
 */
import { resolveTemporalCli, resolveTemporalTestServer } from '../launcher/temporal-binaries.ts';

const cli = await resolveTemporalCli();
const testServer = await resolveTemporalTestServer();
console.log(`temporal CLI:         ${cli}`);
console.log(`temporal test server: ${testServer}`);
