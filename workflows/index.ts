/** Every workflow the worker runs: the entry point its bundler reads. */
export { inquiryLifecycle } from './inquiry/workflow.ts';
