/**
 * The application layer: one service per area, each a set of commands over explicit
 * dependencies. Callers (the GraphQL API, automation actions, webhooks, the launcher's demo
 * data) build them per unit of work and pass a Caller to each command.
 */
import type { ServiceDeps } from './context.ts';
import { createAutomationService } from './automation.ts';
import { createAvailabilityService } from './availability.ts';
import { createBookingService } from './bookings.ts';
import { createCalendarFeedService } from './calendar-feeds.ts';
import { createCalendarImportService } from './calendar-imports.ts';
import { createInquiryService } from './inquiries.ts';
import { createConversationService } from './conversations.ts';
import { createIntegrationService } from './integrations.ts';
import { createClientService } from './clients.ts';
import { createDirectoryService } from './directories.ts';
import { createFailingActivitiesService } from './failing-activities.ts';
import { createMessageTemplateService } from './message-templates.ts';
import { createMessagingService } from './messaging.ts';
import { createOutgoingWebhookService } from './outgoing-webhooks.ts';
import { createLifecycleService } from './lifecycle.ts';
import { createModelService } from './models.ts';
import { createOperatorService } from './operators.ts';
import { createPaymentService } from './payments.ts';
import { createUserService } from './users.ts';
import { createWorkItemService } from './work-items.ts';

export function createServices(deps: ServiceDeps) {
  return {
    inquiries: createInquiryService(deps),
    bookings: createBookingService(deps),
    lifecycle: createLifecycleService(deps),
    availability: createAvailabilityService(deps),
    calendarFeeds: createCalendarFeedService(deps),
    calendarImports: createCalendarImportService(deps),
    automation: createAutomationService(deps),
    workItems: createWorkItemService(deps),
    users: createUserService(deps),
    clients: createClientService(deps),
    models: createModelService(deps),
    directories: createDirectoryService(deps),
    messageTemplates: createMessageTemplateService(deps),
    messaging: createMessagingService(deps),
    outgoingWebhooks: createOutgoingWebhookService(deps),
    operators: createOperatorService(deps),
    payments: createPaymentService(deps),
    integrations: createIntegrationService(deps),
    conversations: createConversationService(deps),
    failingActivities: createFailingActivitiesService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
export type { Caller, ServiceDeps } from './context.ts';
