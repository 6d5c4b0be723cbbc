// Every workflow the worker runs; the worker bundles this file.
export { connectionWorkflow } from './connection';
export { orderWorkflow } from './order';
export { returnWorkflow } from './return';
