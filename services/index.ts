/**
 * The application layer: one service per area, each a set of commands over explicit
 * dependencies. Callers (the GraphQL API, automation actions, webhooks, the launcher's demo
 * data) build them per unit of work and pass a Caller to each command.
 */
import type { ServiceDeps } from './context.ts';
import { createAutomationService } from './automation.ts';
import { createAvailabilityService } from './availability.ts';
import { createBookingService } from './bookings.ts';
import { createInquiryService } from './inquiries.ts';
import { createClientService } from './clients.ts';
import { createDirectoryService } from './directories.ts';
import { createLifecycleService } from './lifecycle.ts';
import { createModelService } from './models.ts';
import { createUserService } from './users.ts';
import { createWorkItemService } from './work-items.ts';

export function createServices(deps: ServiceDeps) {
  return {
    inquiries: createInquiryService(deps),
    bookings: createBookingService(deps),
    lifecycle: createLifecycleService(deps),
    availability: createAvailabilityService(deps),
    automation: createAutomationService(deps),
    workItems: createWorkItemService(deps),
    users: createUserService(deps),
    clients: createClientService(deps),
    models: createModelService(deps),
    directories: createDirectoryService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
export type { Caller, ServiceDeps } from './context.ts';
