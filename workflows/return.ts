import { condition, patched, setHandler } from '@temporalio/workflow';
import { RETURN_STATUS } from '../spartoo/types';
import { act, bookkeeping, permanentFailure } from './activity-proxies';
import {
  acceptReturnUpdate,
  type ReturnState,
  refuseReturnUpdate,
  returnStateQuery,
  spartooReturnStatusSeenSignal,
} from './messages';

const { WAITING, REFUSED, ACCEPTED } = RETURN_STATUS;
/** Accepted, paid or refunded: nothing more for the merchant to do. */
const DONE = new Set<number>([ACCEPTED, RETURN_STATUS.PAID, RETURN_STATUS.REFUNDED]);
/** A refused return may still be accepted later (4 from 3); past this, the workflow stops waiting. */
const REFUSED_RETURN_KEPT = '30 days';

export interface ReturnWorkflowInput {
  connectionId: string;
  returnId: string;
}

/**
 * One Spartoo return (`spartoo-return/<connectionId>/<returnId>`): waits for the merchant's accept
 * (Spartoo 4, item restocked once) or refuse (Spartoo 3), and follows changes made on Spartoo's side.
 */
export async function returnWorkflow(input: ReturnWorkflowInput): Promise<ReturnState> {
  const ref = { connectionId: input.connectionId, returnId: input.returnId };
  const state: ReturnState = { ...ref, status: 'WAITING_RECEPTION', spartooStatus: WAITING, lastError: null };
  let decision: 'accept' | 'refuse' | undefined;
  let seen: number | undefined;

  setHandler(returnStateQuery, () => state);
  setHandler(spartooReturnStatusSeenSignal, (status) => {
    seen = status;
  });
  const settled = async (from: number) => {
    await condition(() => state.spartooStatus !== from || state.lastError !== null, '10s');
    return state.status;
  };
  setHandler(
    acceptReturnUpdate,
    async () => {
      decision = 'accept';
      return settled(state.spartooStatus);
    },
    {
      validator: () => {
        if (decision || (state.spartooStatus !== WAITING && state.spartooStatus !== REFUSED)) {
          throw new Error(
            `Return ${input.returnId} is ${state.status}: only a waiting or refused return can be accepted`,
          );
        }
      },
    },
  );
  setHandler(
    refuseReturnUpdate,
    async () => {
      decision = 'refuse';
      return settled(state.spartooStatus);
    },
    {
      validator: () => {
        if (decision || state.spartooStatus !== WAITING) {
          throw new Error(
            `Return ${input.returnId} is ${state.status}: only a waiting return can be refused`,
          );
        }
      },
    },
  );

  const record = async (spartooStatus: number, lastError: string | null = null) => {
    state.spartooStatus = spartooStatus;
    state.lastError = lastError;
    state.status = await bookkeeping.recordReturnStatus({ ...ref, spartooStatus, lastError });
  };

  await record((await act.loadReturn(ref)).spartooStatus);
  while (!DONE.has(state.spartooStatus)) {
    const changed = () => seen !== undefined && seen !== state.spartooStatus;
    const arrived = await condition(
      () => decision !== undefined || changed(),
      state.spartooStatus === REFUSED ? REFUSED_RETURN_KEPT : '365 days',
    );
    if (!arrived) break;
    if (decision === undefined && seen !== undefined) {
      if (seen === ACCEPTED) await act.restockReturn(ref);
      await record(seen);
      continue;
    }
    try {
      const result = decision === 'accept' ? await act.acceptReturn(ref) : await act.refuseReturn(ref);
      if (result.spartooStatus === ACCEPTED && decision !== 'accept') await act.restockReturn(ref);
      await record(result.spartooStatus);
    } catch (err) {
      const reason = permanentFailure(err);
      if (reason === undefined) throw err;
      await record(state.spartooStatus, reason);
    }
    decision = undefined;
    // What a poll saw before the decision is outdated: left as it was, it read as a change back.
    if (patched('return-decision-clears-seen')) seen = undefined;
  }
  return state;
}
