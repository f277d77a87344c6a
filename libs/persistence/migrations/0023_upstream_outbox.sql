ALTER TABLE "transactions" ADD COLUMN "charger_transaction_id" integer;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "upstream_transaction_id" integer;--> statement-breakpoint
UPDATE "transactions" SET "charger_transaction_id" = "id" WHERE "station_transaction_id" IS NULL;--> statement-breakpoint
CREATE INDEX "transactions_charger_transaction_idx" ON "transactions" USING btree ("charger_transaction_id");--> statement-breakpoint
CREATE INDEX "transactions_upstream_transaction_idx" ON "transactions" USING btree ("upstream_transaction_id");--> statement-breakpoint
CREATE TABLE "upstream_outbox" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"charger_id" uuid NOT NULL,
	"action" text NOT NULL,
	"params" jsonb NOT NULL,
	"transaction_ref" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "upstream_outbox" ADD CONSTRAINT "upstream_outbox_charger_id_chargers_id_fk" FOREIGN KEY ("charger_id") REFERENCES "public"."chargers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "upstream_outbox" ADD CONSTRAINT "upstream_outbox_transaction_ref_transactions_id_fk" FOREIGN KEY ("transaction_ref") REFERENCES "public"."transactions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "upstream_outbox_charger_idx" ON "upstream_outbox" USING btree ("charger_id","seq");
