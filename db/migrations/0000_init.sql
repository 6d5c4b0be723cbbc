CREATE TABLE "connections" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"api_key_encrypted" text NOT NULL,
	"api_key_last4" text NOT NULL,
	"settings" jsonb NOT NULL,
	"last_poll" jsonb,
	"last_stock_sync" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "order_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"connection_id" text NOT NULL,
	"order_id" text NOT NULL,
	"direction" text NOT NULL,
	"action" text NOT NULL,
	"result" text NOT NULL,
	"detail" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"connection_id" text NOT NULL,
	"order_id" text NOT NULL,
	"status" text NOT NULL,
	"spartoo_status" integer NOT NULL,
	"purchased_at" timestamp with time zone NOT NULL,
	"customer_name" text DEFAULT '' NOT NULL,
	"total_cents" integer DEFAULT 0 NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "orders_connection_id_order_id_pk" PRIMARY KEY("connection_id","order_id")
);
--> statement-breakpoint
CREATE TABLE "returns" (
	"connection_id" text NOT NULL,
	"return_id" text NOT NULL,
	"order_id" text NOT NULL,
	"status" text NOT NULL,
	"spartoo_status" integer NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"product" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"returned_at" timestamp with time zone,
	"restocked_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "returns_connection_id_return_id_pk" PRIMARY KEY("connection_id","return_id")
);
--> statement-breakpoint
CREATE TABLE "stock_sent" (
	"connection_id" text NOT NULL,
	"size_reference" text NOT NULL,
	"reference_partenaire" text NOT NULL,
	"quantity" integer NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stock_sent_connection_id_size_reference_pk" PRIMARY KEY("connection_id","size_reference")
);
--> statement-breakpoint
CREATE TABLE "store_orders" (
	"id" serial PRIMARY KEY NOT NULL,
	"connection_id" text NOT NULL,
	"marketplace_order_id" text NOT NULL,
	"status" text NOT NULL,
	"billing_address" jsonb NOT NULL,
	"shipping_address" jsonb NOT NULL,
	"shipping_method" text NOT NULL,
	"items" jsonb NOT NULL,
	"total_cents" integer NOT NULL,
	"carrier" text,
	"tracking_number" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "store_products" (
	"id" text PRIMARY KEY NOT NULL,
	"sku" text,
	"ean" text,
	"reference" text,
	"name" text,
	"stock" integer DEFAULT 0 NOT NULL,
	"price_final_incl_tax_cents" integer,
	"price_original_incl_tax_cents" integer,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "order_log_order_idx" ON "order_log" USING btree ("connection_id","order_id","id");--> statement-breakpoint
CREATE INDEX "orders_grid_idx" ON "orders" USING btree ("purchased_at" DESC NULLS LAST,"order_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "orders_status_idx" ON "orders" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "store_orders_marketplace_idx" ON "store_orders" USING btree ("connection_id","marketplace_order_id");