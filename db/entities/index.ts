/**
 * Every MikroORM entity of the schema (seed section 6 "DATABASE SCHEMA V3" plus later additions).
 * Each entity is a `defineEntity` schema exported together with its inferred type of the same name.
 */
import { User } from './user.ts';
import { Role } from './role.ts';
import { Permission } from './permission.ts';
import { RolePermission } from './role-permission.ts';
import { UserRole } from './user-role.ts';
import { Model } from './model.ts';
import { ModelStats } from './model-stats.ts';
import { ModelMedia } from './model-media.ts';
import { ModelService } from './model-service.ts';
import { ModelLocation } from './model-location.ts';
import { ModelCategory } from './model-category.ts';
import { ModelAttribute } from './model-attribute.ts';
import { Service } from './service.ts';
import { Category } from './category.ts';
import { Attribute } from './attribute.ts';
import { AttributeValue } from './attribute-value.ts';
import { Location } from './location.ts';
import { CallRate } from './call-rate.ts';
import { Client } from './client.ts';
import { Inquiry } from './inquiry.ts';
import { InquiryMatch } from './inquiry-match.ts';
import { Booking } from './booking.ts';
import { BookingService } from './booking-service.ts';
import { BookingTimeline } from './booking-timeline.ts';
import { AvailabilityRule } from './availability-rule.ts';
import { AvailabilitySlot } from './availability-slot.ts';
import { AvailabilityMismatch } from './availability-mismatch.ts';
import { CalendarFeed, CalendarImport } from './calendar.ts';
import { Task } from './task.ts';
import { Exception } from './exception.ts';
import { SlaPolicy } from './sla-policy.ts';
import { Payment } from './payment.ts';
import { Integration } from './integration.ts';
import { WebhookIn } from './webhook-in.ts';
import { WebhookOut } from './webhook-out.ts';
import { AuditLog } from './audit-log.ts';
import { DomainEvent } from './domain-event.ts';
import { AutomationRule } from './automation-rule.ts';
import { AutomationExecution } from './automation-execution.ts';
import { AutomationRuleVersion } from './automation-rule-version.ts';
import { OperatorShift } from './operator-shift.ts';
import { OperatorCapacity } from './operator-capacity.ts';
import { EntityTimeline } from './entity-timeline.ts';
import { RefreshToken } from './refresh-token.ts';
import { IdempotencyKey } from './idempotency-key.ts';
import { MessageTemplate, MessageTemplateVersion } from './message-template.ts';
import { Message } from './message.ts';
import { IntegrationLog } from './integration-log.ts';
import { InboundConversation } from './inbound-conversation.ts';
import { ReconciliationMismatch, ReconciliationReport } from './reconciliation.ts';

export {
  User,
  Role,
  Permission,
  RolePermission,
  UserRole,
  Model,
  ModelStats,
  ModelMedia,
  ModelService,
  ModelLocation,
  ModelCategory,
  ModelAttribute,
  Service,
  Category,
  Attribute,
  AttributeValue,
  Location,
  CallRate,
  Client,
  Inquiry,
  InquiryMatch,
  Booking,
  BookingService,
  BookingTimeline,
  AvailabilityRule,
  AvailabilitySlot,
  AvailabilityMismatch,
  CalendarFeed,
  CalendarImport,
  Task,
  Exception,
  SlaPolicy,
  Payment,
  Integration,
  WebhookIn,
  WebhookOut,
  AuditLog,
  DomainEvent,
  AutomationRule,
  AutomationExecution,
  AutomationRuleVersion,
  OperatorShift,
  OperatorCapacity,
  EntityTimeline,
  RefreshToken,
  IdempotencyKey,
  MessageTemplate,
  MessageTemplateVersion,
  Message,
  ReconciliationReport,
  ReconciliationMismatch,
  IntegrationLog,
  InboundConversation,
};
export type { TemplateVariable } from './message-template.ts';
export type { JsonObject } from './columns.ts';
export type { MediaVariantRow } from './model-media.ts';

export const entities = [
  User,
  Role,
  Permission,
  RolePermission,
  UserRole,
  Model,
  ModelStats,
  ModelMedia,
  ModelService,
  ModelLocation,
  ModelCategory,
  ModelAttribute,
  Service,
  Category,
  Attribute,
  AttributeValue,
  Location,
  CallRate,
  Client,
  Inquiry,
  InquiryMatch,
  Booking,
  BookingService,
  BookingTimeline,
  AvailabilityRule,
  AvailabilitySlot,
  AvailabilityMismatch,
  CalendarFeed,
  CalendarImport,
  Task,
  Exception,
  SlaPolicy,
  Payment,
  Integration,
  WebhookIn,
  WebhookOut,
  AuditLog,
  DomainEvent,
  AutomationRule,
  AutomationExecution,
  AutomationRuleVersion,
  OperatorShift,
  OperatorCapacity,
  EntityTimeline,
  RefreshToken,
  IdempotencyKey,
  MessageTemplate,
  MessageTemplateVersion,
  Message,
  ReconciliationReport,
  ReconciliationMismatch,
  IntegrationLog,
  InboundConversation,
] as const;

/** The row each lifecycle entity type (inquiry, booking, task, exception) lives in. */
export const LIFECYCLE_ROWS = { inquiry: Inquiry, booking: Booking, task: Task, exception: Exception } as const;
export type LifecycleRow = Inquiry | Booking | Task | Exception;
