/** Every workflow the worker runs: the entry point its bundler reads. */
export { inquiryLifecycle } from './inquiry/workflow.ts';
export { bookingLifecycle } from './booking/workflow.ts';
export { taskLifecycle, exceptionLifecycle } from './work-item/workflow.ts';
