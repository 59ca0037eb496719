/**
 * Task queues (seed §9 as Temporal task queues). Lifecycle workflows run on their own queue;
 * activities run on `critical`, `ops` or `heavy`, each with the seed's timeout and retries,
 * declared once here so every proxy uses the same policy.
 */
import type { ActivityOptions } from '@temporalio/workflow';

export const WORKFLOW_TASK_QUEUE = 'lifecycles';

export const ACTIVITY_QUEUES = ['critical', 'ops', 'heavy'] as const;
export type ActivityQueue = (typeof ACTIVITY_QUEUES)[number];

export const activityQueueOptions: Readonly<Record<ActivityQueue, ActivityOptions>> = {
  // Payments, booking status, SLA: 30 s, 3 attempts, 1 s / 2 s / 4 s.
  critical: {
    taskQueue: 'critical',
    startToCloseTimeout: '30s',
    retry: { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '4s' },
  },
  // Notifications, syncs, automation, webhooks: 60 s, 5 attempts, 5 s … 80 s.
  ops: {
    taskQueue: 'ops',
    startToCloseTimeout: '60s',
    retry: { maximumAttempts: 5, initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '80s' },
  },
  // Media, imports, reports: 300 s, 2 attempts, 60 s then 120 s.
  heavy: {
    taskQueue: 'heavy',
    startToCloseTimeout: '300s',
    retry: { maximumAttempts: 2, initialInterval: '60s', backoffCoefficient: 2, maximumInterval: '120s' },
  },
};
