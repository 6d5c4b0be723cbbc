import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, lt, notExists, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { stockSent, storeOrders, storeProducts, storeRestocks } from '../db/schema';
import { type DuplicateProductKey, productsByKey, sortProductIds } from '../domain/product-keys';
import { BUILTIN_STORE_NAME } from '../domain/stores';
import type { Address, StoreProduct } from '../domain/types';
import {
  ImportRejectedError,
  type ImportRequest,
  type ShopOrder,
  type ShopOrderEvent,
  type StoreOrder,
  type StorePort,
} from './store';

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

const toOrder = (row: OrderRow): StoreOrder => ({
  ...row,
  id: String(row.id),
  status: row.status as StoreOrder['status'],
});

/** The columns of the port's view of one of its orders (toShopOrder). */
const shopOrderColumns = {
  id: storeOrders.id,
  marketplaceOrderId: storeOrders.marketplaceOrderId,
  status: storeOrders.status,
  carrier: storeOrders.carrier,
  trackingNumber: storeOrders.trackingNumber,
};
type ShopOrderRow = Pick<OrderRow, keyof typeof shopOrderColumns>;

const shipmentOf = (row: ShopOrderRow) =>
  row.carrier !== null && row.trackingNumber !== null
    ? { shipment: { carrier: row.carrier, trackingNumber: row.trackingNumber } }
    : {};

/** The port's view of one of its orders. */
const toShopOrder = (row: ShopOrderRow): ShopOrder => ({
  id: String(row.id),
  marketplaceOrderId: row.marketplaceOrderId,
  status: row.status as ShopOrder['status'],
  ...shipmentOf(row),
});

/** The serial number a store order id names (a decimal string, or the number), else undefined. */
function serialOf(id: string | number): number | undefined {
  const n = typeof id === 'number' ? id : /^\d{1,10}$/.test(id) ? Number(id) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 && n <= 2_147_483_647 ? n : undefined;
}

/** The SQL expression of an identification attribute, trimmed as the acceptance rule compares it. */
function keyColumn(attribute: string) {
  if (attribute === 'id') return sql`trim(${storeProducts.id})`;
  if (attribute === 'sku') return sql`trim(${storeProducts.sku})`;
  if (attribute === 'ean') return sql`trim(${storeProducts.ean})`;
  const name = attribute.replace(/^attributes\./, '');
  return sql`trim(${storeProducts.attributes} ->> ${name})`;
}

/**
 * The index a lookup by an attribute of `attributes` is served by: `keyColumn`'s expression for that
 * name, named from it, created the first time a lookup needs it (`createDatabaseStore`). One index a
 * name a connection uses rather than one over every attribute: that one made every catalogue write
 * 30 to 40 % dearer (BENCHMARKS.md), for merchants who identify products otherwise too.
 */
export function attributeKeyIndex(attribute: string) {
  const name = attribute.replace(/^attributes\./, '');
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
  // The name is the merchant's: an escape string literal, its backslashes and quotes escaped, reads the
  // same whatever standard_conforming_strings says.
  const literal = `E'${name.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  const index = `store_products_attribute_${hash}_idx`;
  return {
    name: index,
    create: sql.raw(
      `create index if not exists "${index}" on "store_products" (trim("attributes" ->> ${literal}))`,
    ),
  };
}

/**
 * The key as the stock push writes it in the ledger, or null where SQL cannot be sure to match
 * productKey (domain/product-keys.ts): a JSON number in the attributes (its text may differ from
 * JavaScript's) is null, so such a product stays a candidate rather than being wrongly skipped.
 * PostgreSQL's trim() removes spaces only: a key it leaves other whitespace on matches no ledger entry.
 */
function ledgerKeyColumn(attribute: string) {
  if (attribute === 'id' || attribute === 'sku' || attribute === 'ean') return keyColumn(attribute);
  const name = attribute.replace(/^attributes\./, '');
  return sql`case when jsonb_typeof(${storeProducts.attributes} -> ${name}) = 'string' then trim(${storeProducts.attributes} ->> ${name}) end`;
}

/**
 * Product ids in the order of domain/product-keys.ts (compareProductIds: code points, i.e. UTF-8 bytes),
 * whatever the database's default collation: the first of products sharing a key is the one that wins.
 */
const byProductId = sql`${storeProducts.id} collate "C"`;

/** A product as the store keeps it: the same shape it is read back in. */
export type ProductInput = StoreProduct;

/**
 * The built-in store: products and orders in the product's own database, one adapter of the store port
 * (kind `builtin`, store id `builtin`) and the only writer of its tables. Besides the port it has its
 * own routes' needs (`/store/*`: products in bulk, orders by number, the merchant's shipment) and the
 * duplicate keys in one SQL aggregate.
 */
/** An order's quantities summed by product (two lines may be sizes of one product id's key). */
function quantitiesByProduct(items: readonly { productId: string; quantity: number }[]): [string, number][] {
  const sums = new Map<string, number>();
  for (const { productId, quantity } of items) sums.set(productId, (sums.get(productId) ?? 0) + quantity);
  return [...sums];
}

export function createDatabaseStore(db: Database) {
  const byMarketplaceOrder = (connectionId: string, marketplaceOrderId: string) =>
    and(eq(storeOrders.connectionId, connectionId), eq(storeOrders.marketplaceOrderId, marketplaceOrderId));
  const findRow = async (connectionId: string, marketplaceOrderId: string) => {
    const [row] = await db
      .select()
      .from(storeOrders)
      .where(byMarketplaceOrder(connectionId, marketplaceOrderId));
    return row;
  };
  /** The port's view of the order imported for a marketplace order (not its addresses and lines). */
  const findShopOrder = async (
    connectionId: string,
    marketplaceOrderId: string,
  ): Promise<ShopOrder | undefined> => {
    const [row] = await db
      .select(shopOrderColumns)
      .from(storeOrders)
      .where(byMarketplaceOrder(connectionId, marketplaceOrderId));
    return row && toShopOrder(row);
  };

  /** Attribute names whose index this process has seen to (attributeKeyIndex). */
  const indexedAttributes = new Set<string>();
  /** The first lookup by an attribute of `attributes` creates its index (about 1 s at 100 000 sizes). */
  const lookUpBy = async (attribute: string) => {
    if (!attribute.startsWith('attributes.') || indexedAttributes.has(attribute)) return;
    try {
      await db.execute(attributeKeyIndex(attribute).create);
      indexedAttributes.add(attribute);
    } catch {
      // Two processes creating it at once, or a name PostgreSQL refuses: the lookup reads the catalogue,
      // and the next one tries again.
    }
  };

  const store = {
    kind: 'builtin' as const,

    async productsByKeys(attribute: string, keys: string[]): Promise<StoreProduct[]> {
      if (keys.length === 0) return [];
      await lookUpBy(attribute);
      const rows = await db
        .select()
        .from(storeProducts)
        .where(inArray(keyColumn(attribute), keys))
        .orderBy(byProductId);
      return rows.map(toProduct);
    },

    async importOrder(request: ImportRequest) {
      // Imported already (a retry): the order as it was created, whatever the products are now.
      const imported = async () => {
        const order = await findShopOrder(request.connectionId, request.marketplaceOrderId);
        return order && { order, created: false };
      };
      const keys = [...new Set(request.lines.map((l) => l.key))];
      await lookUpBy(request.identificationAttribute);
      const rows = keys.length
        ? await db
            .select()
            .from(storeProducts)
            .where(inArray(keyColumn(request.identificationAttribute), keys))
            .orderBy(byProductId)
        : [];
      const byKey = productsByKey(rows.map(toProduct), request.identificationAttribute);
      const unknown = request.lines.filter((l) => !byKey.has(l.key));
      if (unknown.length) {
        const already = await imported();
        if (already) return already;
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
      // One statement creates the order and takes its stock, only if it created it: a concurrent
      // import of the same order (a retry overlapping a slow attempt) waits on the unique index until
      // the first commits, then inserts nothing and takes no stock.
      const inserted = db.$with('inserted').as(
        db
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
          .onConflictDoNothing()
          // What the port answers (toShopOrder), not the addresses and lines just written.
          .returning(shopOrderColumns),
      );
      const taken = db.$with('taken', {}).as(
        sql`update ${storeProducts} set "stock" = ${storeProducts.stock} - "taking"."quantity",
          "updated_at" = now() from (values ${sql.join(
            quantitiesByProduct(items).map(([id, quantity]) => sql`(${id}::text, ${quantity}::int)`),
            sql`, `,
          )}) as "taking" ("product_id", "quantity")
          where ${storeProducts.id} = "taking"."product_id" and exists (select 1 from "inserted")`,
      );
      const [order] = await db.with(inserted, taken).select().from(inserted);
      // Imported before (a retry), or by a concurrent attempt that committed first: no stock taken.
      if (!order) return (await imported())!;
      return { order: toShopOrder(order), created: true };
    },

    findOrder: findShopOrder,

    /** Cancels the order and puts its stock back, once: a second call changes nothing. */
    async cancelOrder(storeOrderId: string | number): Promise<{ changed: boolean }> {
      const id = serialOf(storeOrderId);
      return db.transaction(async (tx) => {
        const [row] =
          id === undefined
            ? []
            : await tx.select().from(storeOrders).where(eq(storeOrders.id, id)).for('update');
        if (!row) throw new Error(`store order ${storeOrderId} not found`);
        if (row.status === 'CANCELLED') return { changed: false };
        await tx
          .update(storeOrders)
          .set({ status: 'CANCELLED', updatedAt: new Date() })
          .where(eq(storeOrders.id, row.id));
        for (const item of row.items) {
          await tx
            .update(storeProducts)
            .set({ stock: sql`${storeProducts.stock} + ${item.quantity}`, updatedAt: new Date() })
            .where(eq(storeProducts.id, item.productId));
        }
        return { changed: true };
      });
    },

    /**
     * Puts `quantity` back into the product's stock once per `key`: the key is written in the same
     * transaction as the stock, so a repeated restock (a retried return acceptance) changes nothing.
     */
    async restock(productId: string, quantity: number, key: string): Promise<{ changed: boolean }> {
      return db.transaction(async (tx) => {
        const recorded = await tx
          .insert(storeRestocks)
          .values({ key, productId, quantity })
          .onConflictDoNothing()
          .returning({ key: storeRestocks.key });
        if (recorded.length === 0) return { changed: false };
        const updated = await tx
          .update(storeProducts)
          .set({ stock: sql`${storeProducts.stock} + ${quantity}`, updatedAt: new Date() })
          .where(eq(storeProducts.id, productId))
          .returning({ id: storeProducts.id });
        // Rolls the key back with it: a restock of a product that is gone is not remembered as done.
        if (updated.length === 0) throw new Error(`store product ${productId} not found`);
        return { changed: true };
      });
    },

    /** Its orders shipped or cancelled at or after `since`, oldest change first. */
    async orderEventsSince(since: Date): Promise<ShopOrderEvent[]> {
      const rows = await db
        .select()
        .from(storeOrders)
        .where(and(inArray(storeOrders.status, ['SHIPPED', 'CANCELLED']), gte(storeOrders.updatedAt, since)))
        .orderBy(asc(storeOrders.updatedAt), asc(storeOrders.id));
      return rows.map((row) => ({
        storeOrderId: String(row.id),
        marketplaceOrderId: row.marketplaceOrderId,
        connectionId: row.connectionId,
        kind: row.status === 'SHIPPED' ? ('shipped' as const) : ('cancelled' as const),
        ...shipmentOf(row),
        at: row.updatedAt.toISOString(),
      }));
    },

    /**
     * The catalogue a page at a time, by product id in code-point order (COLLATE "C", whatever the
     * database's collation); the cursor is the last product id of the page.
     */
    async catalogue(page: { after?: string; limit: number }) {
      const rows = await db
        .select()
        .from(storeProducts)
        .where(page.after === undefined ? undefined : sql`${byProductId} > ${page.after} collate "C"`)
        .orderBy(byProductId)
        .limit(page.limit + 1);
      const products = rows.slice(0, page.limit).map(toProduct);
      return { products, next: rows.length > page.limit ? products.at(-1)!.id : undefined };
    },

    /**
     * The catalogue's pages as `catalogue` reads them, without the products the stock ledger holds with
     * the same quantity and reference_partenaire (activities/stock.ts sends max(stock, 0) and the trimmed
     * reference, else the key): one anti-join on the ledger's primary key, so 1000 changed sizes among
     * 100 000 come back in one page rather than 100.
     */
    async stockChanges(page: { connectionId: string; attribute: string; after?: string; limit: number }) {
      const key = ledgerKeyColumn(page.attribute);
      const told = db
        .select({ one: sql`1` })
        .from(stockSent)
        .where(
          and(
            eq(stockSent.connectionId, page.connectionId),
            sql`${stockSent.sizeReference} = ${key}`,
            sql`${stockSent.quantity} = greatest(${storeProducts.stock}, 0)`,
            sql`${stockSent.referencePartenaire} = coalesce(nullif(trim(${storeProducts.reference}), ''), ${key})`,
          ),
        );
      const rows = await db
        .select()
        .from(storeProducts)
        .where(
          and(
            page.after === undefined ? undefined : sql`${byProductId} > ${page.after} collate "C"`,
            notExists(told),
          ),
        )
        .orderBy(byProductId)
        .limit(page.limit + 1);
      const products = rows.slice(0, page.limit).map(toProduct);
      return { products, next: rows.length > page.limit ? products.at(-1)!.id : undefined };
    },

    async test() {
      const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(storeProducts);
      return { shopName: BUILTIN_STORE_NAME, productCount: Number(row?.count ?? 0), webhooksRegistered: 0 };
    },

    /** One order by its number (`/store/orders/:id`). */
    async getOrder(storeOrderId: string | number): Promise<StoreOrder | undefined> {
      const id = serialOf(storeOrderId);
      if (id === undefined) return undefined;
      const [row] = await db.select().from(storeOrders).where(eq(storeOrders.id, id));
      return row && toOrder(row);
    },

    /** The whole order imported for a marketplace order (addresses and lines as imported). */
    async findStoreOrder(connectionId: string, marketplaceOrderId: string): Promise<StoreOrder | undefined> {
      const row = await findRow(connectionId, marketplaceOrderId);
      return row && toOrder(row);
    },

    /** The merchant ships: carrier and tracking number recorded once the parcel leaves. */
    /**
     * Customer data has a lifetime (issue 13, item 12): blanks the billing and shipping addresses of the
     * store order imported for a marketplace order (names, street, e-mail, phone; the country and a
     * relay point's id stay). Idempotent; false when the store has no such order.
     */
    async eraseCustomerData(connectionId: string, marketplaceOrderId: string): Promise<boolean> {
      const blank = (a: Address): Address => ({
        firstName: '',
        lastName: '',
        company: '',
        street: '',
        suburb: '',
        city: '',
        postcode: '',
        state: '',
        country: a.country,
        ...(a.relayPointId ? { relayPointId: a.relayPointId } : {}),
      });
      return db.transaction(async (tx) => {
        const [row] = await tx
          .select()
          .from(storeOrders)
          .where(byMarketplaceOrder(connectionId, marketplaceOrderId))
          .for('update');
        if (!row) return false;
        await tx
          .update(storeOrders)
          .set({ billingAddress: blank(row.billingAddress), shippingAddress: blank(row.shippingAddress) })
          .where(eq(storeOrders.id, row.id));
        return true;
      });
    },

    async shipOrder(storeOrderId: string | number, shipment: { carrier: string; trackingNumber: string }) {
      const id = serialOf(storeOrderId);
      if (id === undefined) return undefined;
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
  } satisfies StorePort & Record<string, unknown>;
  return store;
}

export type DatabaseStore = ReturnType<typeof createDatabaseStore>;
