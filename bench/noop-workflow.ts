/** The floor: a workflow whose Update does nothing, on the same server as the lifecycles. */
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const noopUpdate = defineUpdate<number, [number]>('noop');

export async function benchNoop(): Promise<void> {
  let done = false;
  setHandler(noopUpdate, (n) => {
    if (n < 0) done = true;
    return n;
  });
  await condition(() => done);
}
