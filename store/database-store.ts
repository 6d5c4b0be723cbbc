import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { storeOrders, storeProducts } from '../db/schema';
import { type DuplicateProductKey, productsByKey, sortProductIds } from '../domain/product-keys';
import type { StoreProduct } from '../domain/types';
import { ImportRejectedError, type ImportRequest, type Store, type StoreOrder } from './store';

type ProductRow = typeof storeProducts.$inferSelect;
type OrderRow = typeof storeOrders.$inferSelect;

export const toProduct = (row: ProductRow): StoreProduct => ({
  id: row.id,
  sku: row.sku,
  ean: row.ean,
  reference: row.reference,
  name: row.name,
  stock: row.stock,
  priceFinalInclTaxCents: row.priceFinalInclTaxCents,
  priceOriginalInclTaxCents: row.priceOriginalInclTaxCents,
  attributes: row.attributes,
});

const toOrder = (row: OrderRow): StoreOrder => ({ ...row, status: row.status as StoreOrder['status'] });

/** The SQL expression of an identification attribute, trimmed as the acceptance rule compares it. */
function keyColumn(attribute: string) {
  if (attribute === 'id') return sql`trim(${storeProducts.id})`;
  if (attribute === 'sku') return sql`trim(${storeProducts.sku})`;
  if (attribute === 'ean') return sql`trim(${storeProducts.ean})`;
  const name = attribute.replace(/^attributes\./, '');
  return sql`trim(${storeProducts.attributes} ->> ${name})`;
}

/**
 * Product ids in the order of domain/product-keys.ts (compareProductIds: code points, i.e. UTF-8 bytes),
 * whatever the database's default collation: the first of products sharing a key is the one that wins.
 */
const byProductId = sql`${storeProducts.id} collate "C"`;

/** A product as the store keeps it: the same shape it is read back in. */
export type ProductInput = StoreProduct;

/** The built-in store: products and orders in the product's own database. */
export function createDatabaseStore(db: Database) {
  const store = {
    async productsByKeys(attribute: string, keys: string[]): Promise<StoreProduct[]> {
      if (keys.length === 0) return [];
      const rows = await db
        .select()
        .from(storeProducts)
        .where(inArray(keyColumn(attribute), keys))
        .orderBy(byProductId);
      return rows.map(toProduct);
    },

    async importOrder(request: ImportRequest) {
      return db.transaction(async (tx) => {
        const existing = await tx
          .select()
          .from(storeOrders)
          .where(
            and(
              eq(storeOrders.connectionId, request.connectionId),
              eq(storeOrders.marketplaceOrderId, request.marketplaceOrderId),
            ),
          );
        if (existing[0]) return { order: toOrder(existing[0]), created: false };

        const keys = [...new Set(request.lines.map((l) => l.key))];
        const rows = keys.length
          ? await tx
              .select()
              .from(storeProducts)
              .where(inArray(keyColumn(request.identificationAttribute), keys))
              .orderBy(byProductId)
          : [];
        const byKey = productsByKey(rows.map(toProduct), request.identificationAttribute);
        const unknown = request.lines.filter((l) => !byKey.has(l.key));
        if (unknown.length) {
          throw new ImportRejectedError(
            `Unknown product: ${unknown.map((l) => `line ${l.line} "${l.key}"`).join(', ')} ` +
              `(no store product with ${request.identificationAttribute} equal to it)`,
          );
        }
        const items = request.lines.map((l) => ({
          productId: byKey.get(l.key)!.id,
          key: l.key,
          name: l.name,
          quantity: l.quantity,
          unitPriceCents: l.unitPriceCents,
        }));
        // The unique index makes a concurrent duplicate import fail here rather than create a twin.
        const [order] = await tx
          .insert(storeOrders)
          .values({
            connectionId: request.connectionId,
            marketplaceOrderId: request.marketplaceOrderId,
            status: 'OPEN',
            billingAddress: request.billingAddress,
            shippingAddress: request.shippingAddress,
            shippingMethod: request.shippingMethod,
            items,
            totalCents: request.totalCents,
          })
          .returning();
        for (const item of items) {
          await tx
            .update(storeProducts)
            .set({ stock: sql`${storeProducts.stock} - ${item.quantity}`, updatedAt: new Date() })
            .where(eq(storeProducts.id, item.productId));
        }
        return { order: toOrder(order!), created: true };
      });
    },

    async getOrder(id: number) {
      const [row] = await db.select().from(storeOrders).where(eq(storeOrders.id, id));
      return row && toOrder(row);
    },

    async findOrder(connectionId: string, marketplaceOrderId: string) {
      const [row] = await db
        .select()
        .from(storeOrders)
        .where(
          and(
            eq(storeOrders.connectionId, connectionId),
            eq(storeOrders.marketplaceOrderId, marketplaceOrderId),
          ),
        );
      return row && toOrder(row);
    },

    async cancelOrder(id: number) {
      return db.transaction(async (tx) => {
        const [row] = await tx.select().from(storeOrders).where(eq(storeOrders.id, id)).for('update');
        if (!row) throw new Error(`store order ${id} not found`);
        if (row.status === 'CANCELLED') return { order: toOrder(row), changed: false };
        const [order] = await tx
          .update(storeOrders)
          .set({ status: 'CANCELLED', updatedAt: new Date() })
          .where(eq(storeOrders.id, id))
          .returning();
        for (const item of row.items) {
          await tx
            .update(storeProducts)
            .set({ stock: sql`${storeProducts.stock} + ${item.quantity}`, updatedAt: new Date() })
            .where(eq(storeProducts.id, item.productId));
        }
        return { order: toOrder(order!), changed: true };
      });
    },

    /** The merchant ships: carrier and tracking number recorded once the parcel leaves. */
    async shipOrder(id: number, shipment: { carrier: string; trackingNumber: string }) {
      const [order] = await db
        .update(storeOrders)
        .set({ status: 'SHIPPED', ...shipment, updatedAt: new Date() })
        .where(and(eq(storeOrders.id, id), eq(storeOrders.status, 'OPEN')))
        .returning();
      return order && toOrder(order);
    },

    async upsertProducts(products: ProductInput[]): Promise<number> {
      if (products.length === 0) return 0;
      const now = new Date();
      await db.transaction(async (tx) => {
        for (let i = 0; i < products.length; i += 500) {
          const chunk = products.slice(i, i + 500).map((p) => ({
            id: p.id,
            sku: p.sku ?? null,
            ean: p.ean ?? null,
            reference: p.reference ?? null,
            name: p.name ?? null,
            stock: p.stock,
            priceFinalInclTaxCents: p.priceFinalInclTaxCents ?? null,
            priceOriginalInclTaxCents: p.priceOriginalInclTaxCents ?? null,
            attributes: p.attributes ?? {},
            updatedAt: now,
          }));
          await tx
            .insert(storeProducts)
            .values(chunk)
            .onConflictDoUpdate({
              target: storeProducts.id,
              set: {
                sku: sql`excluded.sku`,
                ean: sql`excluded.ean`,
                reference: sql`excluded.reference`,
                name: sql`excluded.name`,
                stock: sql`excluded.stock`,
                priceFinalInclTaxCents: sql`excluded.price_final_incl_tax_cents`,
                priceOriginalInclTaxCents: sql`excluded.price_original_incl_tax_cents`,
                attributes: sql`excluded.attributes`,
                updatedAt: now,
              },
            });
        }
      });
      return products.length;
    },

    /**
     * Keys that more than one product has in `attribute`, each with its products' ids sorted by the rule
     * (the winner first; the first `maxIds` of them when given) and how many products share it; in key
     * order, at most `limit` keys. One aggregate over the catalogue.
     */
    async duplicateKeys(
      attribute: string,
      options: { limit?: number; maxIds?: number } = {},
    ): Promise<DuplicateProductKey[]> {
      const keyed = db
        .select({ key: sql<string>`${keyColumn(attribute)}`.as('key'), id: storeProducts.id })
        .from(storeProducts)
        .as('keyed');
      const allIds = sql`array_agg(${keyed.id} order by ${keyed.id} collate "C")`;
      const ids = options.maxIds === undefined ? allIds : sql`(${allIds})[1:${options.maxIds}]`;
      const query = db
        .select({
          key: keyed.key,
          productIds: sql<string[]>`${ids}`,
          productCount: sql<number>`count(*)::int`,
        })
        .from(keyed)
        .where(sql`${keyed.key} <> ''`)
        .groupBy(keyed.key)
        .having(sql`count(*) > 1`)
        .orderBy(sql`${keyed.key} collate "C"`);
      const rows = await (options.limit === undefined ? query : query.limit(options.limit));
      return rows.map((r) => ({
        key: r.key,
        productIds: sortProductIds(r.productIds),
        productCount: Number(r.productCount),
      }));
    },

    async getProduct(id: string): Promise<StoreProduct | undefined> {
      const [row] = await db.select().from(storeProducts).where(eq(storeProducts.id, id));
      return row && toProduct(row);
    },

    async listProducts(options: { search?: string; limit: number; after?: string }) {
      const conditions = [];
      if (options.after) conditions.push(sql`${storeProducts.id} > ${options.after}`);
      if (options.search) {
        const like = `%${options.search}%`;
        conditions.push(
          sql`(${storeProducts.id} ilike ${like} or ${storeProducts.name} ilike ${like} or ${storeProducts.sku} ilike ${like} or ${storeProducts.ean} ilike ${like})`,
        );
      }
      return (
        await db
          .select()
          .from(storeProducts)
          .where(conditions.length ? and(...conditions) : undefined)
          .orderBy(asc(storeProducts.id))
          .limit(options.limit)
      ).map(toProduct);
    },

    async listOrders(options: { connectionId?: string; limit: number; before?: number }) {
      const conditions = [];
      if (options.connectionId) conditions.push(eq(storeOrders.connectionId, options.connectionId));
      if (options.before) conditions.push(lt(storeOrders.id, options.before));
      return (
        await db
          .select()
          .from(storeOrders)
          .where(conditions.length ? and(...conditions) : undefined)
          .orderBy(desc(storeOrders.id))
          .limit(options.limit)
      ).map(toOrder);
    },
  } satisfies Store & Record<string, unknown>;
  return store;
}

export type DatabaseStore = ReturnType<typeof createDatabaseStore>;
