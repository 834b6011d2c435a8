/** Every workflow the context-packs worker registers. */
export { governedJob } from './governed-job.js';
export { multiRoleJob } from './multi-role-job.js';
export { governedRoleStep } from './role-step.js';
