/**
 * CSV reports for Finance and managers (issue 14 item 8, seed §2 Finance "Отчёты", §9 heavy
 * queue): the kinds, who may run each, the statuses a report moves through and the period
 * rules. Bookings by status, the inquiry → booking funnel and SLA compliance are operational
 * (reports.run: owners, ops managers, Finance); revenue and deposits by model is money
 * (reports.finance: owners and Finance only).
 */
import type { PermissionCode } from './access.ts';
import { invalidInput } from './errors.ts';

export const REPORT_KINDS = ['bookings_by_status', 'conversion_funnel', 'sla_compliance', 'revenue_by_model'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_PERMISSION: Readonly<Record<ReportKind, PermissionCode>> = {
  bookings_by_status: 'reports.run',
  conversion_funnel: 'reports.run',
  sla_compliance: 'reports.run',
  revenue_by_model: 'reports.finance',
};

/** queued → running → ready | failed (written by the report's workflow only). */
export const REPORT_STATUSES = ['queued', 'running', 'ready', 'failed'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** How bookings are grouped in time (bookings_by_status). */
export const REPORT_GRANULARITIES = ['day', 'week', 'month'] as const;
export type ReportGranularity = (typeof REPORT_GRANULARITIES)[number];

/** The longest period one report covers. */
export const REPORT_MAX_DAYS = 366;

/** VALIDATION unless [from, to) is a non-empty period of at most REPORT_MAX_DAYS. */
export function assertReportPeriod(from: Date, to: Date): void {
  if (!(to.getTime() > from.getTime())) throw invalidInput('to', 'must be after from');
  if (to.getTime() - from.getTime() > REPORT_MAX_DAYS * 86_400_000) throw invalidInput('to', `a report covers at most ${REPORT_MAX_DAYS} days`);
}

/** The file name a report is downloaded as. */
export function reportFileName(kind: ReportKind, from: Date, to: Date): string {
  return `${kind}_${from.toISOString().slice(0, 10)}_${to.toISOString().slice(0, 10)}.csv`;
}
