import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Database } from './client';
import { returnLabels } from './schema';

export interface ReturnLabelFile {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

export type ReturnLabelRecord = typeof returnLabels.$inferSelect;

/**
 * Return labels uploaded by the merchant (issue 13, item 2): the API keeps the file and hands the
 * return workflow its id; the activity that accepts the return on Spartoo reads it back.
 */
export function createReturnLabelRepository(db: Database) {
  return {
    /** Keeps a label for a return: its id. */
    async save(connectionId: string, returnId: string, file: ReturnLabelFile): Promise<string> {
      const id = randomUUID();
      await db.insert(returnLabels).values({
        id,
        connectionId,
        returnId,
        filename: file.filename,
        contentType: file.contentType,
        size: file.content.length,
        content: file.content,
      });
      return id;
    },

    /** The label, only for the return it was uploaded for. */
    async get(connectionId: string, returnId: string, id: string): Promise<ReturnLabelRecord | undefined> {
      const [row] = await db
        .select()
        .from(returnLabels)
        .where(
          and(
            eq(returnLabels.id, id),
            eq(returnLabels.connectionId, connectionId),
            eq(returnLabels.returnId, returnId),
          ),
        );
      return row && { ...row, content: new Uint8Array(row.content) };
    },

    async markSent(id: string): Promise<void> {
      await db.update(returnLabels).set({ sentAt: new Date() }).where(eq(returnLabels.id, id));
    },

    /** A label no accept will send (the workflow refused the decision). */
    async remove(id: string): Promise<void> {
      await db.delete(returnLabels).where(eq(returnLabels.id, id));
    },
  };
}

export type ReturnLabelRepository = ReturnType<typeof createReturnLabelRepository>;
