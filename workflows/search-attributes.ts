/**
 * Custom search attributes on every lifecycle workflow, so ops managers can find stuck
 * work in the Temporal UI (e.g. `VirelEntityType = 'booking' AND VirelStatus = 'pending'`).
 * The worker registers them on the namespace at start.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA_ENTITY_TYPE = defineSearchAttributeKey('VirelEntityType', SearchAttributeType.KEYWORD);
export const SA_STATUS = defineSearchAttributeKey('VirelStatus', SearchAttributeType.KEYWORD);
export const SA_REF = defineSearchAttributeKey('VirelRef', SearchAttributeType.KEYWORD);
export const SA_ASSIGNEE = defineSearchAttributeKey('VirelAssignee', SearchAttributeType.KEYWORD);
export const SA_MODEL = defineSearchAttributeKey('VirelModel', SearchAttributeType.KEYWORD);
export const SA_BOOKING_START = defineSearchAttributeKey('VirelBookingStart', SearchAttributeType.DATETIME);
export const SA_SLA_DEADLINE = defineSearchAttributeKey('VirelSlaDeadline', SearchAttributeType.DATETIME);
export const SA_SLA_BREACHED = defineSearchAttributeKey('VirelSlaBreached', SearchAttributeType.BOOL);

export const LIFECYCLE_SEARCH_ATTRIBUTES = [
  SA_ENTITY_TYPE, SA_STATUS, SA_REF, SA_ASSIGNEE, SA_MODEL, SA_BOOKING_START, SA_SLA_DEADLINE, SA_SLA_BREACHED,
] as const;
