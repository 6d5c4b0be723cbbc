import { ActivityFailure, ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import { RETURN_LABEL_ERROR_CODES } from '../spartoo/errors';
import { RETURN_STATUS } from '../spartoo/types';
import { act, bookkeeping, permanentFailure } from './activity-proxies';
import {
  acceptReturnUpdate,
  RETURN_LABEL_REJECTED,
  type ReturnLabelRef,
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
/**
 * Patch: a decision's update answers once that decision is done (and fails when Spartoo refused its
 * label), not on the first change of status or error, which an earlier failed decision had already made.
 */
const DECISION_ANSWERED = 'return-decision-answered';

/** Spartoo's refusal of a return label (-22…-25), from a failed activity: its code and meaning. */
function labelRefusal(err: unknown): { code: number; message: string } | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const code = (err.cause.details?.[0] as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && RETURN_LABEL_ERROR_CODES.has(code)
    ? { code, message: err.cause.message }
    : undefined;
}

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
  /** The label sent with the pending accept: a link or a stored file's id (issue 13, item 2). */
  let label: ReturnLabelRef | undefined;
  let seen: number | undefined;
  /** Decisions asked for and decisions done, and how the last one ended (DECISION_ANSWERED). */
  let asked = 0;
  let answered = 0;
  let refusedLabel: { code: number; message: string } | undefined;

  setHandler(returnStateQuery, () => state);
  setHandler(spartooReturnStatusSeenSignal, (status) => {
    seen = status;
  });
  const settled = async (from: number) => {
    await condition(() => state.spartooStatus !== from || state.lastError !== null, '10s');
    return state.status;
  };
  /** The update's answer to its own decision: the status, or Spartoo's refusal of the label. */
  const answer = async (mine: number) => {
    await condition(() => answered >= mine, '10s');
    if (answered === mine && refusedLabel) {
      throw ApplicationFailure.create({
        type: RETURN_LABEL_REJECTED,
        message: refusedLabel.message,
        details: [{ code: refusedLabel.code }],
        nonRetryable: true,
      });
    }
    return state.status;
  };
  const decide = (next: 'accept' | 'refuse') => {
    const from = state.spartooStatus;
    decision = next;
    asked += 1;
    return patched(DECISION_ANSWERED) ? answer(asked) : settled(from);
  };
  setHandler(
    acceptReturnUpdate,
    async (given?: ReturnLabelRef) => {
      label = given?.labelId || given?.labelUrl ? given : undefined;
      return decide('accept');
    },
    {
      validator: (given?: ReturnLabelRef) => {
        if (decision || (state.spartooStatus !== WAITING && state.spartooStatus !== REFUSED)) {
          throw new Error(
            `Return ${input.returnId} is ${state.status}: only a waiting or refused return can be accepted`,
          );
        }
        if (given?.labelId && given.labelUrl) throw new Error('A return label is a link or a file, not both');
      },
    },
  );
  setHandler(refuseReturnUpdate, async () => decide('refuse'), {
    validator: () => {
      if (decision || state.spartooStatus !== WAITING) {
        throw new Error(`Return ${input.returnId} is ${state.status}: only a waiting return can be refused`);
      }
    },
  });

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
      // Without a label, the activity's input is what it always was (replayed histories).
      const result =
        decision === 'accept'
          ? await act.acceptReturn(label ? { ...ref, ...label } : ref)
          : await act.refuseReturn(ref);
      if (result.spartooStatus === ACCEPTED && decision !== 'accept') await act.restockReturn(ref);
      refusedLabel = undefined;
      answered = asked;
      await record(result.spartooStatus);
    } catch (err) {
      const reason = permanentFailure(err);
      if (reason === undefined) throw err;
      refusedLabel = labelRefusal(err);
      answered = asked;
      await record(state.spartooStatus, reason);
    }
    decision = undefined;
    label = undefined;
    // What a poll saw before the decision is outdated: left as it was, it read as a change back.
    if (patched('return-decision-clears-seen')) seen = undefined;
  }
  return state;
}
