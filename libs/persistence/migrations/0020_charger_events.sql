CREATE TABLE "charger_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"charger_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"payload" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "charger_events" ADD CONSTRAINT "charger_events_charger_id_chargers_id_fk" FOREIGN KEY ("charger_id") REFERENCES "public"."chargers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "charger_events_charger_idx" ON "charger_events" USING btree ("charger_id","id");--> statement-breakpoint
CREATE INDEX "charger_events_charger_kind_idx" ON "charger_events" USING btree ("charger_id","kind","id");
