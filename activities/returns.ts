import type { ConnectionRepository } from '../db/connections';
import type { OrderRepository } from '../db/orders';
import type { ReturnLabelRepository } from '../db/return-labels';
import type { ReturnRepository } from '../db/returns';
import { lineKey } from '../domain/acceptance';
import { productsByKey } from '../domain/product-keys';
import { type ReturnStatus, returnStatusFromSpartoo } from '../domain/statuses';
import type { UpdateReturnInput } from '../spartoo/client';
import { SpartooError } from '../spartoo/errors';
import { RETURN_STATUS } from '../spartoo/types';
import type { StoreRegistry } from '../store/registry';
import type { ReturnLabelRef } from '../workflows/messages';
import { permanentOrRetry } from './failures';
import { labelToSend } from './return-labels';
import { openSpartooSession } from './spartoo-session';

export interface ReturnRef {
  connectionId: string;
  returnId: string;
}

export interface ReturnActivityDependencies {
  connections: ConnectionRepository;
  orders: OrderRepository;
  returns: ReturnRepository;
  /** Labels uploaded with an accept, read by id (issue 13, item 2). */
  labels: ReturnLabelRepository;
  stores: StoreRegistry;
  spartooTimeoutMs?: number;
}

/** The once-only key of a return's restock in the store (connection ids keep two merchants' return ids apart). */
export const returnRestockKey = (ref: ReturnRef) => `return/${ref.connectionId}/${ref.returnId}`;

/** The merchant's side of a return (RMA): accept (Spartoo 4, restock once) or refuse (Spartoo 3). */
export function createReturnActivities(deps: ReturnActivityDependencies) {
  const { connections, orders, returns, stores } = deps;

  /**
   * Puts the returned item back into stock once, in the store its order was imported into (else the
   * connection's); says what it did (a return is one item).
   */
  async function restock(ref: ReturnRef): Promise<string> {
    const record = await returns.get(ref.connectionId, ref.returnId);
    if (!record) return 'return unknown';
    const settings = (await connections.get(ref.connectionId))?.settings;
    const detail = (await orders.get(ref.connectionId, record.orderId))?.detail;
    const order = detail?.spartoo;
    const product = record.product as {
      productsSpartoo?: string;
      productsReference?: string;
      productsSize?: string;
    };
    const line =
      order?.products.find(
        (l) => l.productsSpartoo === product.productsSpartoo && l.productsSize === product.productsSize,
      ) ??
      order?.products.find((l) => l.productsSpartoo === product.productsSpartoo) ??
      order?.products.find((l) => l.productsReference === product.productsReference);
    if (!line || !settings) return 'not restocked: the returned line is not in a known order';
    const store = await stores.forStore(detail?.storeId ?? settings.storeId);
    const attribute = settings.productIdentificationAttribute;
    const key = lineKey(line);
    const storeProduct = productsByKey(await store.productsByKeys(attribute, [key]), attribute).get(key);
    if (!storeProduct) return `not restocked: no store product for ${key}`;
    const { changed } = await store.restock(storeProduct.id, 1, returnRestockKey(ref));
    if (!record.restockedAt)
      await returns.update(ref.connectionId, ref.returnId, { restockedAt: new Date() });
    return changed ? `restocked ${storeProduct.id}` : 'already restocked';
  }

  async function setOnSpartoo(
    ref: ReturnRef,
    status: 3 | 4,
    label: Pick<UpdateReturnInput, 'labelLink' | 'labelFile'> = {},
    whenTaken?: () => Promise<void>,
  ): Promise<{ spartooStatus: number }> {
    const { spartoo } = await openSpartooSession(connections, ref.connectionId, deps.spartooTimeoutMs);
    return permanentOrRetry(async () => {
      try {
        await spartoo.updateReturn({ rID: ref.returnId, status, ...label });
        await whenTaken?.();
        return { spartooStatus: status };
      } catch (err) {
        // Spartoo moved it first: answer what it holds now.
        if (err instanceof SpartooError && err.code === -7) {
          // TODO(unreadable): an unreadable return is left to the retry policy here.
          const [current] = (await spartoo.exportReturns({ rID: ref.returnId })).returns;
          if (current) return { spartooStatus: current.returnStatus };
        }
        throw err;
      }
    });
  }

  return {
    async loadReturn(ref: ReturnRef): Promise<{ spartooStatus: number }> {
      const record = await returns.get(ref.connectionId, ref.returnId);
      return { spartooStatus: record?.spartooStatus ?? RETURN_STATUS.WAITING };
    },

    /** Spartoo 4, with the label given (a link, or a stored file's id: Spartoo -22…-25 refuse it). */
    async acceptReturn(
      ref: ReturnRef & ReturnLabelRef,
    ): Promise<{ spartooStatus: number; restock?: string }> {
      const { labelId } = ref;
      const result = await setOnSpartoo(
        ref,
        RETURN_STATUS.ACCEPTED,
        await labelToSend(deps.labels, ref),
        labelId ? () => deps.labels.markSent(labelId) : undefined,
      );
      if (result.spartooStatus !== RETURN_STATUS.ACCEPTED) return result;
      return { ...result, restock: await restock(ref) };
    },

    async refuseReturn(ref: ReturnRef): Promise<{ spartooStatus: number }> {
      return setOnSpartoo(ref, RETURN_STATUS.REFUSED);
    },

    /** Spartoo accepted the return on its side: the item is back, restock it once. */
    async restockReturn(ref: ReturnRef): Promise<string> {
      return restock(ref);
    },

    async recordReturnStatus(
      ref: ReturnRef & { spartooStatus: number; lastError: string | null },
    ): Promise<ReturnStatus> {
      const status = returnStatusFromSpartoo(ref.spartooStatus);
      await returns.update(ref.connectionId, ref.returnId, {
        status,
        spartooStatus: ref.spartooStatus,
        lastError: ref.lastError,
      });
      return status;
    },
  };
}
