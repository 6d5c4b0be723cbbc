CREATE TABLE "return_labels" (
	"id" text PRIMARY KEY NOT NULL,
	"connection_id" text NOT NULL,
	"return_id" text NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"content" "bytea" NOT NULL,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "return_labels_return_idx" ON "return_labels" USING btree ("connection_id","return_id");