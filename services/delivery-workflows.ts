/**
 * Starting the delivery workflow of a message or an outgoing webhook. The id comes from the row;
 * a run already going for it is joined (nothing starts twice), and a closed run may be followed
 * by a new one (a redelivery, or recovery after a crash between the row's insert and the start):
 * its activity sends only what is still pending, so a repeat sends nothing.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { SA_ENTITY_TYPE } from '../workflows/search-attributes.ts';
import { BACKGROUND_TASK_QUEUE } from '../workflows/task-queues.ts';

export async function startDelivery(
  temporal: Client, workflowType: string, workflowId: string, input: object, kind: 'message' | 'webhook_out', summary: string,
): Promise<void> {
  try {
    await temporal.workflow.start(workflowType, {
      workflowId,
      taskQueue: BACKGROUND_TASK_QUEUE,
      args: [input],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [{ key: SA_ENTITY_TYPE, value: kind }],
      staticSummary: summary,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** Whether a delivery run is going now (a redelivery waits for it to end). */
export async function deliveryRunning(temporal: Client, workflowId: string): Promise<boolean> {
  try {
    const description = await temporal.workflow.getHandle(workflowId).describe();
    return description.status.name === 'RUNNING';
  } catch (error) {
    if ((error as { name?: string }).name === 'WorkflowNotFoundError') return false;
    throw error;
  }
}
