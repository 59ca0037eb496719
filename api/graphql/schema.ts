/** The executable schema: schema/*.graphql (the contract) joined with its resolvers. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { GraphQLScalarType, Kind } from 'graphql';
import { createSchema } from 'graphql-yoga';
import { invalidRequest } from '../../domain/errors.ts';
import type { ApiContext, ServerContext } from './context.ts';
import { graphQLError } from './errors.ts';
import { authResolvers } from './resolvers/auth.ts';
import { inquiryResolvers } from './resolvers/inquiries.ts';
import { lifecycleResolvers } from './resolvers/lifecycle.ts';
import { actionCenterResolvers } from './resolvers/action-center.ts';
import { searchResolvers } from './resolvers/search.ts';
import { clientResolvers } from './resolvers/clients.ts';
import { directoryResolvers } from './resolvers/directories.ts';
import { modelResolvers } from './resolvers/models.ts';
import { userResolvers } from './resolvers/users.ts';
import { realtimeResolvers } from './resolvers/realtime.ts';
import { bookingResolvers } from './resolvers/bookings.ts';
import { workItemResolvers } from './resolvers/work-items.ts';
import { paymentResolvers } from './resolvers/payments.ts';
import { availabilityResolvers } from './resolvers/availability.ts';
import { automationResolvers } from './resolvers/automation.ts';
import { auditResolvers } from './resolvers/audit.ts';
import { systemResolvers } from './resolvers/system.ts';
import { messagingResolvers } from './resolvers/messaging.ts';
import { overviewResolvers } from './resolvers/overview.ts';
import { importResolvers } from './resolvers/imports.ts';
import { reportResolvers } from './resolvers/reports.ts';
import { integrationResolvers } from './resolvers/integrations.ts';
import { conversationResolvers } from './resolvers/conversations.ts';
import { calendarResolvers } from './resolvers/calendar.ts';

export const SCHEMA_DIR = path.resolve(import.meta.dirname, '../../schema');

/** The contract's SDL files, in a stable order. */
export function loadTypeDefs(): string[] {
  return readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.graphql')).sort().map((f) => readFileSync(path.join(SCHEMA_DIR, f), 'utf8'));
}

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value as string)) {
    // A GraphQLError, so graphql-js reports it as is (it prefixes any other error's message).
    throw graphQLError(invalidRequest('DateTime must be an ISO-8601 string such as 2026-12-25T19:00:00Z.'));
  }
  return date;
}

const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 instant, e.g. 2026-12-25T19:00:00Z',
  serialize: (value) => (value instanceof Date ? value : new Date(value as string)).toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

export function buildSchema() {
  return createSchema<ServerContext & ApiContext>({
    typeDefs: loadTypeDefs(),
    resolvers: [{ DateTime }, authResolvers, inquiryResolvers, lifecycleResolvers, userResolvers, modelResolvers, clientResolvers, directoryResolvers, realtimeResolvers, actionCenterResolvers, searchResolvers, bookingResolvers, workItemResolvers, paymentResolvers, availabilityResolvers, automationResolvers, auditResolvers, systemResolvers, messagingResolvers, overviewResolvers, importResolvers, reportResolvers, integrationResolvers, conversationResolvers, calendarResolvers],
  });
}
