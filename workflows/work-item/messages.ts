/** Tasks and exceptions (the Action Center's work items): their inputs. */
import { defineUpdate } from '@temporalio/workflow';
import type { ExceptionStatus, TaskStatus } from '../../domain/lifecycles.ts';
import type { Actor, TransitionResult } from '../lifecycle/messages.ts';
import type { LifecycleInput } from '../lifecycle/entity-workflow.ts';

/** The entity a work item is about (seed: inquiry, booking, model, payment, integration, task, ...). */
export interface WorkItemSubject {
  readonly entityType: string;
  readonly entityId: string;
}

export interface NewTask extends WorkItemSubject {
  readonly id: string;
  /** confirm_booking, request_deposit, follow_up, review_inquiry, retry_payment, ... */
  readonly type: string;
  readonly subject: string;
  readonly priority: 'low' | 'normal' | 'high' | 'critical';
  readonly assigneeId?: string | undefined;
  readonly dueAt?: string | undefined;
  readonly details?: Record<string, unknown> | undefined;
}

export interface NewException extends WorkItemSubject {
  readonly id: string;
  /** payment_failed, no_show_risk, mismatch, overbooking, policy_violation, sla_breach, ... */
  readonly type: string;
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
  readonly summary: string;
  readonly assigneeId?: string | undefined;
  readonly details?: Record<string, unknown> | undefined;
}

export interface TaskWorkflowInput extends LifecycleInput<TaskStatus, WorkItemFacts> {
  readonly task: NewTask;
}

export interface ExceptionWorkflowInput extends LifecycleInput<ExceptionStatus, WorkItemFacts> {
  readonly exception: NewException;
}

/** What a task or exception lifecycle knows of its item: its SLA timers read these. */
export type WorkItemFacts = {
  readonly type?: string;
  /** ISO instants from the SLA policy; restarted on reassignment. */
  readonly slaDeadlineAt?: string | null;
  readonly slaWarningAt?: string | null;
  readonly slaBreached?: boolean;
  /** The priority (task) or severity (exception) after escalation. */
  readonly level?: string;
  /** The SLA policy's escalation terms. */
  readonly escalation?: Readonly<Record<string, unknown>>;
};

/** Completes a task in one Update: an open task is started first, both steps under one lock. */
export interface CompleteTaskRequest {
  readonly transitionId: string;
  readonly actor: Actor;
  readonly reason?: string | undefined;
}

/** The result is that of the final step (… → done); the start step's id is `${transitionId}:start`. */
export const completeTaskUpdate = defineUpdate<TransitionResult<TaskStatus>, [CompleteTaskRequest]>('completeTask');

export const taskWorkflowType = 'taskLifecycle';
export const exceptionWorkflowType = 'exceptionLifecycle';
export const taskWorkflowId = (taskId: string) => `task:${taskId}`;
export const exceptionWorkflowId = (exceptionId: string) => `exception:${exceptionId}`;
