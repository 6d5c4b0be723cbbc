import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * What the API, the worker's start-up and the activities share with a shop store's workflow (issue 11):
 * `spartoo-store/<storeId>` reconciles what the merchant did in the shop, behind its webhooks.
 */
export const storeWorkflowId = (storeId: string) => `spartoo-store/${storeId}`;

/** What a store workflow carries from one run to the next (continue-as-new). */
export interface StoreCarry {
  /** Shop events updated from here on (minus an overlap) are read next: ISO time. */
  watermark?: string;
  /** The period the last cycle was told (STORE_RECONCILE_SECONDS), used when a cycle fails. */
  intervalSeconds?: number;
}

export interface StoreWorkflowInput {
  storeId: string;
  carry?: StoreCarry;
  /** Continue-as-new after this many cycles even if Temporal does not suggest it yet (default 100). */
  maxCyclesPerRun?: number;
}

/** What one reconciliation read and did. */
export interface StoreReconcileResult {
  /** The store no longer exists (or is not a shop): the workflow ends. */
  gone?: boolean;
  watermark?: string;
  intervalSeconds: number;
  events: number;
  signalled: number;
  unknown: number;
}

export interface StoreState extends StoreCarry {
  storeId: string;
  cycles: number;
  lastCycle?: { at: string; events?: number; signalled?: number; unknown?: number; error?: string };
}

/** The store was deleted: its workflow ends. */
export const storeDeletedSignal = defineSignal('storeDeleted');
export const storeStateQuery = defineQuery<StoreState>('storeState');
