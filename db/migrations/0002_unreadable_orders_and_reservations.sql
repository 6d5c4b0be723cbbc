CREATE TABLE "stock_reservations" (
	"connection_id" text NOT NULL,
	"order_id" text NOT NULL,
	"product_id" text NOT NULL,
	"quantity" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stock_reservations_connection_id_order_id_product_id_pk" PRIMARY KEY("connection_id","order_id","product_id")
);
--> statement-breakpoint
DROP INDEX "orders_grid_idx";--> statement-breakpoint
ALTER TABLE "orders" ALTER COLUMN "spartoo_status" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ALTER COLUMN "purchased_at" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ALTER COLUMN "total_cents" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "orders" ALTER COLUMN "total_cents" DROP NOT NULL;--> statement-breakpoint
CREATE INDEX "stock_reservations_product_idx" ON "stock_reservations" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "orders_grid_idx" ON "orders" USING btree (coalesce("purchased_at", "created_at") desc,"order_id" DESC NULLS LAST);