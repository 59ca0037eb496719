/** Every workflow the worker runs: the entry point its bundler reads. */
export { inquiryLifecycle } from './inquiry/workflow.ts';
export { bookingLifecycle } from './booking/workflow.ts';
export { taskLifecycle, exceptionLifecycle } from './work-item/workflow.ts';
export { messageDelivery, webhookDelivery } from './delivery/workflow.ts';
export { automationExecution } from './automation/execution.ts';
export { automationScheduleTick } from './automation/schedule-tick.ts';
export { sweepWebhooks, reconcilePayments } from './payments/workflow.ts';
export { processModelMedia, removeModelMediaFiles } from './media/workflow.ts';
export { importData } from './imports/workflow.ts';
export { generateReport } from './reports/workflow.ts';
export { calendarImport, importCalendars } from './calendar/workflow.ts';
export { sweepAvailabilityMismatches } from './availability/workflow.ts';
