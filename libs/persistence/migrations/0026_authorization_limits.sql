ALTER TABLE "site_authorization" ADD COLUMN "allow_concurrent_transactions" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "charger_local_auth_lists" ADD COLUMN "omitted_entries" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "charger_local_auth_lists" ADD COLUMN "site_list_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "charger_local_auth_lists" SET "site_list_version" = "list_version";--> statement-breakpoint
CREATE INDEX "transactions_open_id_tag_idx" ON "transactions" USING btree (lower("id_tag")) WHERE "transactions"."stopped_at" is null;
