// Every workflow the worker runs; the worker bundles this file.
export { connectionWorkflow } from './connection';
export { notificationWorkflow } from './notification';
export { orderWorkflow } from './order';
export { retentionWorkflow } from './retention';
export { returnWorkflow } from './return';
export { storeWorkflow } from './store';
