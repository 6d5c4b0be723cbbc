-- Shop webhooks (issue 11): the deliveries already handled, by store (a replay changes nothing), and the
-- orders found by their shop order id (a webhook or a reconciliation names only that). Schema by drizzle-kit.
CREATE TABLE "shop_webhook_receipts" (
	"store_id" text NOT NULL,
	"delivery_key" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shop_webhook_receipts_store_id_delivery_key_pk" PRIMARY KEY("store_id","delivery_key")
);
--> statement-breakpoint
CREATE INDEX "shop_webhook_receipts_received_idx" ON "shop_webhook_receipts" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "orders_store_order_idx" ON "orders" USING btree (("detail" ->> 'storeId'),("detail" ->> 'storeOrderId'));