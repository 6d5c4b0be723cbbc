-- Stores (issue "Orders land in the merchant's real shop"): the shops orders land in, the built-in
-- store's once-per-key restocks, and an index for the shop events since a time. Schema by drizzle-kit,
-- data (after it) by hand.
CREATE TABLE "store_restocks" (
	"key" text PRIMARY KEY NOT NULL,
	"product_id" text,
	"quantity" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stores" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secrets_encrypted" text,
	"secret_hints" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"problem" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "store_orders_updated_idx" ON "store_orders" USING btree ("updated_at");--> statement-breakpoint
-- Data: the one built-in store, which every existing connection imports into.
INSERT INTO "stores" ("id", "kind", "name") VALUES ('builtin', 'builtin', 'Built-in store') ON CONFLICT DO NOTHING;
--> statement-breakpoint
UPDATE "connections" SET "settings" = "settings" || '{"storeId": "builtin"}'::jsonb
WHERE "settings" -> 'storeId' IS NULL;
--> statement-breakpoint
-- Returns restocked before the built-in store kept its own once-per-key ledger (the key is the one
-- activities/returns.ts uses), so a return accepted again after the upgrade is not restocked twice.
INSERT INTO "store_restocks" ("key", "product_id", "quantity", "created_at")
SELECT 'return/' || "connection_id" || '/' || "return_id", NULL, 1, "restocked_at"
FROM "returns" WHERE "restocked_at" IS NOT NULL
ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- Store order ids are strings (the built-in store's numbers as decimal strings), and each imported
-- order names the store it went to.
UPDATE "orders"
SET "detail" = "detail" || jsonb_build_object('storeOrderId', "detail" ->> 'storeOrderId', 'storeId', 'builtin')
WHERE jsonb_typeof("detail" -> 'storeOrderId') = 'number';
