/**
 * CSV reports through the real API and worker (issue 14 item 8): each kind requested through
 * GraphQL, built on the heavy queue with progress, downloaded over HTTP as CSV with exactly the
 * rows the period's data gives; rights per kind (revenue by model is Finance's and the owner's
 * only) on the mutation, the query and the download; bad periods refused.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { bookingDraft, demoReferences, startBooking, startInquiry, startTask } from './support/lifecycles.ts';
import { freshModel } from './support/models.ts';
import { startTestPlatform, type TestPlatform } from './support/platform.ts';
import { eventually } from './support/wait.ts';
import { closeOpenWork } from './support/work-items.ts';

let platform: TestPlatform;
let refs: Awaited<ReturnType<typeof demoReferences>>;
/** This file's bookings: their confirm_booking tasks (15-minute SLA) are closed in afterAll, not left to breach in later files. */
const opened: string[] = [];
beforeAll(async () => {
  platform = await startTestPlatform();
  refs = await demoReferences(platform.orm);
});
afterAll(async () => {
  try {
    if (platform) await closeOpenWork(platform, opened);
  } finally {
    await platform?.stop();
  }
});

interface ReportView { id: string; status: string; rowsTotal: number | null; rowsWritten: number; failure: string | null; downloadUrl: string; fileName: string }
const FIELDS = 'id status rowsTotal rowsWritten failure downloadUrl fileName';

async function request(kind: string, from: Date, to: Date, role = 'FINANCE', granularity?: string) {
  return platform.gql<{ requestReport: ReportView }>(`mutation ($input: RequestReportInput!) { requestReport(input: $input) { ${FIELDS} } }`,
    { input: { kind, from: from.toISOString(), to: to.toISOString(), ...(granularity ? { granularity } : {}) } }, await platform.as(role));
}

async function built(kind: string, from: Date, to: Date, role = 'FINANCE', granularity?: string): Promise<{ report: ReportView; rows: Array<Record<string, string>> }> {
  const requested = await request(kind, from, to, role, granularity);
  expect(requested.errors).toBeUndefined();
  const headers = await platform.as(role);
  const report = await eventually(async () => (await platform.gql<{ report: ReportView }>(`query ($id: ID!) { report(id: $id) { ${FIELDS} } }`, { id: requested.data!.requestReport.id }, headers)).data!.report,
    (r) => r.status === 'ready' || r.status === 'failed', 90_000);
  expect(report).toMatchObject({ status: 'ready', failure: null });
  const response = await fetch(`${platform.url}${report.downloadUrl}`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${report.fileName}"`);
  const rows = parse(await response.text(), { columns: true }) as Array<Record<string, string>>;
  expect(report.rowsTotal).toBe(rows.length);
  expect(report.rowsWritten).toBe(rows.length);
  return { report, rows };
}

const DAY = 86_400_000;

describe('the reports', () => {
  test('bookings by status and revenue and deposits by model, over a day only this test books', async () => {
    const model = await freshModel(platform);
    // A day years ahead that no other test books: its rows are exactly ours. Beyond the slots of
    // test/support/stripe.ts uniqueSlot (400 to about 3,410 days ahead), a week either side included.
    const day = new Date(Math.floor(Date.now() / DAY) * DAY + (3600 + Math.floor(Math.random() * 1400)) * DAY);
    const ids = [] as string[];
    for (const [hour, price] of [[9, '300.00'], [13, '450.50'], [17, '1000.00']] as const) {
      const draft = bookingDraft({ ...refs, model_id: model.id }, 0, { startAt: new Date(day.getTime() + hour * 3600_000).toISOString(), endAt: new Date(day.getTime() + (hour + 2) * 3600_000).toISOString(), priceTotal: price });
      await startBooking(platform.temporal, draft);
      ids.push(draft.id);
      opened.push(draft.id);
    }
    // A deposit paid on the first (payments carry no lifecycle status guard).
    await platform.sql(`INSERT INTO payments (booking_id, provider, provider_payment_id, type, status, amount, currency) VALUES (?, 'stripe', ?, 'deposit', 'succeeded', '100.00', 'GBP')`, [ids[0], `pi_report_${randomUUID()}`]);
    await eventually(() => platform.sql('SELECT id FROM bookings WHERE model_id = ?', [model.id]), (r) => r.length === 3, 30_000);

    const byStatus = await built('bookings_by_status', day, new Date(day.getTime() + DAY), 'OPS_MANAGER');
    expect(byStatus.rows).toEqual([{ period_start: day.toISOString().slice(0, 10), status: 'draft', currency: 'GBP', bookings: '3', price_total: '1750.50' }]);
    // By week, over a fortnight around the day: one row, starting on that week's Monday.
    const monday = new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY);
    const byWeek = await built('bookings_by_status', new Date(day.getTime() - 7 * DAY), new Date(day.getTime() + 7 * DAY), 'FINANCE', 'week');
    expect(byWeek.rows).toEqual([{ period_start: monday.toISOString().slice(0, 10), status: 'draft', currency: 'GBP', bookings: '3', price_total: '1750.50' }]);

    const revenue = await built('revenue_by_model', day, new Date(day.getTime() + DAY), 'FINANCE');
    expect(revenue.rows).toEqual([{
      model_code: expect.any(String), model_name: model.name, currency: 'GBP', bookings: '3', completed: '0',
      booked_value: '0.00', revenue: '0.00', deposits_paid: '100.00', refunded: '0.00',
    }]);
    expect(revenue.report.fileName).toBe(`revenue_by_model_${day.toISOString().slice(0, 10)}_${new Date(day.getTime() + DAY).toISOString().slice(0, 10)}.csv`);
  }, 180_000);

  test('the inquiry → booking funnel by source and SLA compliance by policy, over the minutes this test works in', async () => {
    const from = new Date(Date.now() - 1000);
    const inquiryIds = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    for (const [i, source] of (['web', 'web', 'web', 'telegram'] as const).entries()) await startInquiry(platform.temporal, { id: inquiryIds[i], source });
    const model = await freshModel(platform);
    const booking = bookingDraft({ ...refs, model_id: model.id }, 30 * DAY, { inquiryId: inquiryIds[0] });
    await startBooking(platform.temporal, booking);
    opened.push(booking.id);
    for (let i = 0; i < 2; i++) await startTask(platform.temporal, { entityId: booking.id, type: 'confirm_booking', priority: 'normal' });
    await eventually(() => platform.sql('SELECT id FROM tasks WHERE entity_id = ?', [booking.id]), (r) => r.length === 2, 30_000);
    const to = new Date(Date.now() + 1000);

    const funnel = await built('conversion_funnel', from, to, 'OWNER');
    expect(funnel.rows).toEqual([
      { source: 'telegram', inquiries: '1', booked: '0', confirmed: '0', completed: '0', conversion_pct: '0.0' },
      { source: 'web', inquiries: '3', booked: '1', confirmed: '0', completed: '0', conversion_pct: '33.3' },
    ]);

    const sla = await built('sla_compliance', from, to, 'OPS_MANAGER');
    expect(sla.rows).toEqual([{
      policy: 'Confirm booking within 15 minutes', applies_to: 'task_type', key: 'confirm_booking', priority: 'any', deadline_minutes: '15',
      items: '2', finished: '0', met: '0', breached: '0', open_in_time: '2', compliance_pct: '100.0',
    }]);
  }, 180_000);
});

describe('rights and refusals', () => {
  const period = [new Date(Date.now() - DAY), new Date()] as const;

  test.each([
    ['OPERATOR', 'bookings_by_status', 'reports.run'],
    ['CONTENT_MANAGER', 'sla_compliance', 'reports.run'],
    ['READ_ONLY', 'conversion_funnel', 'reports.run'],
    ['OPS_MANAGER', 'revenue_by_model', 'reports.finance'],
    ['INTEGRATIONS_ADMIN', 'revenue_by_model', 'reports.finance'],
  ])('%s may not request %s (needs %s)', async (role, kind, permission) => {
    const me = await platform.gql<{ me: { id: string } }>('{ me { id } }', undefined, await platform.as(role));
    // Nothing stored: no report of that kind and period requested by that user.
    const stored = () => platform.sql<{ n: number }>('SELECT count(*)::int AS n FROM reports WHERE requested_by = ? AND kind = ? AND period_from = ?', [me.data!.me.id, kind, period[0]]);
    expect(await stored()).toEqual([{ n: 0 }]);
    const refused = await request(kind, ...period, role);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission });
    expect(await stored()).toEqual([{ n: 0 }]);
  });

  test('a finance report is not shown or served to an ops manager, and not served anonymously', async () => {
    const { report } = await built('revenue_by_model', ...period, 'FINANCE');
    const ops = await platform.as('OPS_MANAGER');
    expect((await platform.gql(`query ($id: ID!) { report(id: $id) { id } }`, { id: report.id }, ops)).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', permission: 'reports.finance' });
    const download = await fetch(`${platform.url}${report.downloadUrl}`, { headers: ops });
    expect(download.status).toBe(403);
    expect(((await download.json()) as { error: unknown }).error).toMatchObject({ code: 'FORBIDDEN', permission: 'reports.finance' });
    expect((await fetch(`${platform.url}${report.downloadUrl}`)).status).toBe(401);
    expect((await fetch(`${platform.url}${report.downloadUrl}`, { headers: await platform.as('OWNER') })).status).toBe(200);
  }, 120_000);

  test('a period that ends before it starts, or longer than a year: VALIDATION naming the field', async () => {
    const now = new Date();
    expect((await request('bookings_by_status', now, new Date(now.getTime() - DAY))).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'to' });
    expect((await request('bookings_by_status', now, new Date(now.getTime() + 400 * DAY))).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'to' });
    expect((await platform.gql('{ report(id: "00000000-0000-4000-8000-000000000000") { id } }')).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });
});
