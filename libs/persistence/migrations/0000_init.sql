CREATE TABLE "capacity_forecasts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"peer_id" uuid NOT NULL,
	"request_id" text NOT NULL,
	"group_id" text NOT NULL,
	"type" text NOT NULL,
	"body" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chargers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"site_id" uuid NOT NULL,
	"identity" text NOT NULL,
	"password_hash" text,
	"ocpp_version" text NOT NULL,
	"vendor" text,
	"model" text,
	"firmware_version" text,
	"connected" boolean DEFAULT false NOT NULL,
	"last_seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chargers_identity_unique" UNIQUE("identity")
);
--> statement-breakpoint
CREATE TABLE "connector_plans" (
	"connector_ref" uuid PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"periods" jsonb NOT NULL,
	"planned_at" timestamp with time zone NOT NULL,
	"dispatch_status" text NOT NULL,
	"dispatch_detail" text,
	"dispatched_version" integer,
	"dispatched_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "connectors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"charger_id" uuid NOT NULL,
	"connector_id" integer NOT NULL,
	"max_current_a" double precision NOT NULL,
	"phases" integer NOT NULL,
	"status" text,
	"status_at" timestamp with time zone,
	"measured_current_a" jsonb,
	"measured_power_w" double precision,
	"energy_register_wh" double precision,
	"measured_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "dso_peers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dso_peers_name_unique" UNIQUE("name"),
	CONSTRAINT "dso_peers_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "sites" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"group_id" text,
	"nominal_voltage_v" double precision NOT NULL,
	"limit_l1_a" double precision NOT NULL,
	"limit_l2_a" double precision NOT NULL,
	"limit_l3_a" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transactions" (
	"id" serial PRIMARY KEY NOT NULL,
	"connector_ref" uuid NOT NULL,
	"id_tag" text NOT NULL,
	"meter_start_wh" double precision NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"meter_stop_wh" double precision,
	"stopped_at" timestamp with time zone,
	"stop_reason" text
);
--> statement-breakpoint
ALTER TABLE "capacity_forecasts" ADD CONSTRAINT "capacity_forecasts_peer_id_dso_peers_id_fk" FOREIGN KEY ("peer_id") REFERENCES "public"."dso_peers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chargers" ADD CONSTRAINT "chargers_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_plans" ADD CONSTRAINT "connector_plans_connector_ref_connectors_id_fk" FOREIGN KEY ("connector_ref") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connectors" ADD CONSTRAINT "connectors_charger_id_chargers_id_fk" FOREIGN KEY ("charger_id") REFERENCES "public"."chargers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_connector_ref_connectors_id_fk" FOREIGN KEY ("connector_ref") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "capacity_forecasts_group_idx" ON "capacity_forecasts" USING btree ("group_id","type","received_at");--> statement-breakpoint
CREATE INDEX "chargers_site_id_idx" ON "chargers" USING btree ("site_id");--> statement-breakpoint
CREATE UNIQUE INDEX "connectors_charger_connector_idx" ON "connectors" USING btree ("charger_id","connector_id");--> statement-breakpoint
CREATE INDEX "sites_group_id_idx" ON "sites" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "transactions_connector_idx" ON "transactions" USING btree ("connector_ref");