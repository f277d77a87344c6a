CREATE TABLE "connector_bookings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"site_id" uuid NOT NULL,
	"connector_ref" uuid NOT NULL,
	"arrival_from" timestamp with time zone NOT NULL,
	"arrival_until" timestamp with time zone NOT NULL,
	"departure_at" timestamp with time zone,
	"energy_wanted_wh" double precision,
	"priority" integer,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"transaction_id" integer
);
--> statement-breakpoint
ALTER TABLE "connector_bookings" ADD CONSTRAINT "connector_bookings_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_bookings" ADD CONSTRAINT "connector_bookings_connector_ref_connectors_id_fk" FOREIGN KEY ("connector_ref") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_bookings" ADD CONSTRAINT "connector_bookings_transaction_id_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."transactions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connector_bookings_connector_idx" ON "connector_bookings" USING btree ("connector_ref","arrival_from");--> statement-breakpoint
CREATE INDEX "connector_bookings_site_idx" ON "connector_bookings" USING btree ("site_id");--> statement-breakpoint
CREATE UNIQUE INDEX "connector_bookings_transaction_idx" ON "connector_bookings" USING btree ("transaction_id");