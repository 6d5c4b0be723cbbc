/**
 * The periodic erasure of customer data (workflows/retention.ts): one workflow for the product's task
 * queue (`spartoo-retention/<taskQueue>`, so that products sharing a namespace each have theirs).
 */
export const retentionWorkflowId = (taskQueue: string) => `spartoo-retention/${taskQueue}`;

export interface RetentionWorkflowInput {
  /** Time between two rounds (default a day). */
  intervalSeconds?: number;
  /** Rounds before continuing as new (default 30). */
  maxRoundsPerRun?: number;
}
