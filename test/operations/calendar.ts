/** Calendar feeds and imports (issue 14 item 4) for the role × operation matrix. */
import { randomUUID } from 'node:crypto';
import { freshModel } from '../support/models.ts';
import type { TestPlatform } from '../support/platform.ts';
import { countOf, type MatrixOperation } from '../support/role-matrix.ts';

const sql = (platform: TestPlatform) => platform.orm.em.getConnection();
const model = async (platform: TestPlatform) => ({ modelId: (await freshModel(platform)).id });
/**
 * A URL that answers 404 at once (an unknown feed of the API under test): an import of it fails
 * without retries. It is on loopback: test/authorization.test.ts allows 127.0.0.1 for imports.
 */
const missingCalendar = (platform: TestPlatform) => `${platform.url}/api/v1/calendar/feeds/${randomUUID()}.ics`;

/** A model with an issued feed (its token hash only; the token is not needed). */
const feed = async (platform: TestPlatform) => {
  const { modelId } = await model(platform);
  await sql(platform).execute('INSERT INTO calendar_feeds (model_id, token_hash) VALUES (?, ?)', [modelId, randomUUID()]);
  return { modelId };
};
/** A calendar import row of a fresh model. */
const calendarImport = async (platform: TestPlatform) => {
  const { modelId } = await model(platform);
  const [row] = await sql(platform).execute<Array<{ id: string }>>(
    `INSERT INTO calendar_imports (model_id, name, url) VALUES (?, 'Matrix calendar', ?) RETURNING id`, [modelId, missingCalendar(platform)]);
  return { id: row!.id };
};

export const CALENDAR_OPERATIONS: MatrixOperation[] = [
  {
    field: 'Query.calendarFeed', permission: 'availability.read', setup: feed,
    document: 'query ($modelId: ID!) { calendarFeed(modelId: $modelId) { modelId active } }',
  },
  { field: 'Query.calendarImports', permission: 'availability.read', document: '{ calendarImports(first: 1) { edges { cursor node { url lastStatus } } } }' },
  {
    field: 'Mutation.rotateCalendarFeed', permission: 'availability.write', setup: model,
    document: 'mutation ($modelId: ID!) { rotateCalendarFeed(modelId: $modelId) { url } }',
    state: (platform, vars) => countOf(platform, 'SELECT count(*) AS n FROM calendar_feeds WHERE model_id = ?', [vars.modelId]),
  },
  {
    field: 'Mutation.revokeCalendarFeed', permission: 'availability.write', setup: feed,
    document: 'mutation ($modelId: ID!) { revokeCalendarFeed(modelId: $modelId) { active } }',
    state: (platform, vars) => countOf(platform, 'SELECT count(*) AS n FROM calendar_feeds WHERE model_id = ? AND token_hash IS NOT NULL', [vars.modelId]),
  },
  {
    field: 'Mutation.addCalendarImport', permission: 'availability.write',
    setup: async (platform) => ({ ...(await model(platform)), url: missingCalendar(platform) }),
    document: 'mutation ($modelId: ID!, $url: String!) { addCalendarImport(input: { modelId: $modelId, name: "Matrix calendar", url: $url }) { id } }',
    state: (platform, vars) => countOf(platform, 'SELECT count(*) AS n FROM calendar_imports WHERE model_id = ?', [vars.modelId]),
  },
  {
    field: 'Mutation.removeCalendarImport', permission: 'availability.write', setup: calendarImport,
    document: 'mutation ($id: ID!) { removeCalendarImport(id: $id) { id } }',
    state: (platform, vars) => countOf(platform, 'SELECT count(*) AS n FROM calendar_imports WHERE id = ?', [vars.id]),
  },
  {
    field: 'Mutation.runCalendarImport', permission: 'availability.write', setup: calendarImport,
    document: 'mutation ($id: ID!) { runCalendarImport(id: $id) { lastStatus lastError } }',
    state: (platform, vars) => platform.orm.em.getConnection().execute('SELECT last_status, last_run_at FROM calendar_imports WHERE id = ?', [vars.id]),
  },
];
