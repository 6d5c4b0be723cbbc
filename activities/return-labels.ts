import { ApplicationFailure } from '@temporalio/common';
import type { ReturnLabelRepository } from '../db/return-labels';
import type { UpdateReturnInput } from '../spartoo/client';
import type { ReturnLabelRef } from '../workflows/messages';

/** Failure type of a label id the database no longer holds (not Spartoo's refusal). */
export const RETURN_LABEL_MISSING = 'ReturnLabelMissing';

/**
 * What a return's accept sends to Spartoo as its label (issue 13, item 2): the link as `label_link`,
 * or the stored file, read here by its id, as the `label_file` upload. Nothing without a label.
 */
export async function labelToSend(
  labels: ReturnLabelRepository,
  ref: { connectionId: string; returnId: string } & ReturnLabelRef,
): Promise<Pick<UpdateReturnInput, 'labelLink' | 'labelFile'>> {
  if (ref.labelUrl) return { labelLink: ref.labelUrl };
  if (!ref.labelId) return {};
  const label = await labels.get(ref.connectionId, ref.returnId, ref.labelId);
  if (!label) {
    throw ApplicationFailure.nonRetryable(
      `Return label ${ref.labelId} of return ${ref.returnId} is no longer stored: accept again with a new label`,
      RETURN_LABEL_MISSING,
    );
  }
  return { labelFile: { filename: label.filename, contentType: label.contentType, bytes: label.content } };
}
