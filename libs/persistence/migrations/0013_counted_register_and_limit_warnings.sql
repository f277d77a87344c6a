CREATE TABLE "limit_warnings" (
	"scope_key" text PRIMARY KEY NOT NULL,
	"state" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "energy_counted_wh" double precision;--> statement-breakpoint
-- data: refusal reasons stored before they were kept short ("Charger answered Rejected", "<code>: <raw description>")
UPDATE "connectors" SET "uncontrollable_reason" = 'profile ' || substr("uncontrollable_reason", 18) || ' by the charger' WHERE "uncontrollable_reason" LIKE 'Charger answered %';--> statement-breakpoint
UPDATE "connectors" SET "uncontrollable_reason" = left('SetChargingProfile answered ' || split_part("uncontrollable_reason", ':', 1), 120) WHERE "uncontrollable_reason" IS NOT NULL AND "uncontrollable_reason" NOT LIKE 'profile % by the charger' AND "uncontrollable_reason" NOT LIKE 'SetChargingProfile answered %';
