-- The stock push reads the built-in store's catalogue in pages by id COLLATE "C" (store/database-store.ts,
-- the product-id order of domain/product-keys.ts): the primary key, in the database's collation, cannot
-- serve that order, so each page of 1000 sorted the whole table. Schema by drizzle-kit.
CREATE INDEX "store_products_id_c_idx" ON "store_products" USING btree (("id" collate "C"));
