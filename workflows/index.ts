/** Every workflow the context-packs worker registers. */
export { governedJob } from './governed-job.js';
