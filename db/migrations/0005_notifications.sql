-- Notifications and account problems (issue 13, items 5 and 11): the merchant's webhooks (secret sealed
-- with SECRET_KEY), the outbox of deliveries with a deterministic id, each delivery attempt, and each
-- connection's health (failed cycles in a row, account problem). Schema by drizzle-kit.
CREATE TABLE "connection_health" (
	"connection_id" text PRIMARY KEY NOT NULL,
	"poll_failures" integer DEFAULT 0 NOT NULL,
	"stock_failures" integer DEFAULT 0 NOT NULL,
	"last_poll_at" text,
	"last_stock_at" text,
	"poll_notified" boolean DEFAULT false NOT NULL,
	"stock_notified" boolean DEFAULT false NOT NULL,
	"problem" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_attempts" (
	"delivery_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text NOT NULL,
	"response_status" integer,
	"error" text,
	CONSTRAINT "notification_attempts_delivery_id_attempt_pk" PRIMARY KEY("delivery_id","attempt")
);
--> statement-breakpoint
CREATE TABLE "notification_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"webhook_id" text,
	"event" text NOT NULL,
	"subject" text NOT NULL,
	"source" text NOT NULL,
	"body" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"events" jsonb NOT NULL,
	"secret_encrypted" text NOT NULL,
	"secret_last4" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "connection_health" ADD CONSTRAINT "connection_health_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_attempts" ADD CONSTRAINT "notification_attempts_delivery_id_notification_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."notification_deliveries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ADD CONSTRAINT "notification_deliveries_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "notification_attempts_at_idx" ON "notification_attempts" USING btree ("at" desc,"delivery_id","attempt");--> statement-breakpoint
CREATE INDEX "notification_deliveries_source_idx" ON "notification_deliveries" USING btree ("source");--> statement-breakpoint
CREATE INDEX "notification_deliveries_subject_idx" ON "notification_deliveries" USING btree ("subject","created_at");--> statement-breakpoint
CREATE INDEX "notification_deliveries_webhook_idx" ON "notification_deliveries" USING btree ("webhook_id");