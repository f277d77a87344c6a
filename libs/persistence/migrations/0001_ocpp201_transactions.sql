ALTER TABLE "connectors" ADD COLUMN "uncontrollable_reason" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "station_transaction_id" text;--> statement-breakpoint
CREATE INDEX "transactions_station_transaction_idx" ON "transactions" USING btree ("station_transaction_id");