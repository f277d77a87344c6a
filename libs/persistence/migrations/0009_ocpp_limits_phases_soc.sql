CREATE TABLE "charging_limits" (
	"id" serial PRIMARY KEY NOT NULL,
	"charger_id" uuid NOT NULL,
	"evse_id" integer NOT NULL,
	"source" text NOT NULL,
	"is_grid_critical" boolean,
	"schedules" jsonb,
	"reported_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "phases_in_use" integer;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "phases_in_use_mask" jsonb;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "soc_percent" double precision;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "offered_current_a" double precision;--> statement-breakpoint
ALTER TABLE "charging_limits" ADD CONSTRAINT "charging_limits_charger_id_chargers_id_fk" FOREIGN KEY ("charger_id") REFERENCES "public"."chargers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "charging_limits_charger_evse_source_idx" ON "charging_limits" USING btree ("charger_id","evse_id","source");