CREATE TABLE "upstream_charging_profiles" (
	"id" serial PRIMARY KEY NOT NULL,
	"charger_id" uuid NOT NULL,
	"connector_id" integer NOT NULL,
	"profile_id" integer NOT NULL,
	"stack_level" integer NOT NULL,
	"purpose" text NOT NULL,
	"transaction_id" integer,
	"schedule" jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "upstream_charging_profiles" ADD CONSTRAINT "upstream_charging_profiles_charger_id_chargers_id_fk" FOREIGN KEY ("charger_id") REFERENCES "public"."chargers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "upstream_charging_profiles" ADD CONSTRAINT "upstream_charging_profiles_transaction_id_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."transactions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "upstream_charging_profiles_charger_profile_idx" ON "upstream_charging_profiles" USING btree ("charger_id","profile_id");
