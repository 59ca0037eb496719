/**
 * An inquiry's lifecycle as a long-running workflow. It records the inquiry when it starts
 * and then lives until the inquiry reaches a final status.
 */
import { condition, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { StoreActivities } from '../../activities/store/index.ts';
import { inquiryLifecycle as lifecycle, isTerminal, type InquiryStatus } from '../../domain/lifecycles.ts';
import { SA_REF, SA_STATUS } from '../search-attributes.ts';
import { activityQueueOptions } from '../task-queues.ts';
import { awaitInquiryCreated, inquiryStateQuery, type InquiryCreated, type InquiryWorkflowInput } from './messages.ts';

const store = proxyActivities<StoreActivities>(activityQueueOptions.critical);

export async function inquiryLifecycle(input: InquiryWorkflowInput): Promise<void> {
  const state: { ref: string | undefined; status: InquiryStatus } = { ref: undefined, status: lifecycle.initial };
  const firstRequestId = input.requestId ?? workflowInfo().workflowId;

  setHandler(inquiryStateQuery, () => ({ id: input.inquiry.id, ...state, created: state.ref !== undefined }));
  setHandler(awaitInquiryCreated, async (requestId): Promise<InquiryCreated> => {
    await condition(() => state.ref !== undefined);
    return { id: input.inquiry.id, ref: state.ref as string, status: state.status, firstDelivery: requestId === firstRequestId };
  });

  const created = await store.recordInquiryCreated({
    inquiry: input.inquiry,
    actor: input.actor,
    transitionId: `create:${firstRequestId}`,
  });
  state.ref = created.ref;
  state.status = created.status;
  upsertSearchAttributes([
    { key: SA_REF, value: created.ref },
    { key: SA_STATUS, value: created.status },
  ]);

  // Transitions arrive as updates (lifecycle issue); until then the inquiry waits here.
  await condition(() => isTerminal(lifecycle, state.status));
}
