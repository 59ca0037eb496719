/** Every operation of the API, by area, for the role × operation matrix (one line per area). */
import type { MatrixOperation } from '../support/role-matrix.ts';
import { INQUIRY_OPERATIONS } from './inquiries.ts';
import { ACTION_CENTER_OPERATIONS } from './action-center.ts';
import { BOOKING_OPERATIONS } from './bookings.ts';
import { WORK_ITEM_OPERATIONS } from './work-items.ts';
import { OPERATIONS_OPERATIONS } from './operations.ts';
import { USER_OPERATIONS } from './users.ts';
import { CATALOG_OPERATIONS } from './catalog.ts';
import { MESSAGING_OPERATIONS } from './messaging.ts';
import { PAYMENT_OPERATIONS } from './payments.ts';
import { IMPORT_OPERATIONS } from './imports.ts';
import { REPORT_OPERATIONS } from './reports.ts';
import { INTEGRATION_OPERATIONS } from './integrations.ts';
import { CALENDAR_OPERATIONS } from './calendar.ts';

export const ALL_OPERATIONS: MatrixOperation[] = [
  ...INQUIRY_OPERATIONS,
  ...ACTION_CENTER_OPERATIONS,
  ...BOOKING_OPERATIONS,
  ...WORK_ITEM_OPERATIONS,
  ...OPERATIONS_OPERATIONS,
  ...USER_OPERATIONS,
  ...CATALOG_OPERATIONS,
  ...MESSAGING_OPERATIONS,
  ...PAYMENT_OPERATIONS,
  ...IMPORT_OPERATIONS,
  ...REPORT_OPERATIONS,
  ...INTEGRATION_OPERATIONS,
  ...CALENDAR_OPERATIONS,
];
