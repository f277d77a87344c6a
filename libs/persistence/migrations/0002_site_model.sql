CREATE TABLE "circuits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"site_id" uuid NOT NULL,
	"parent_id" uuid,
	"name" text NOT NULL,
	"limit_l1_a" double precision NOT NULL,
	"limit_l2_a" double precision NOT NULL,
	"limit_l3_a" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "site_model_changes" (
	"id" serial PRIMARY KEY NOT NULL,
	"site_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"details" jsonb NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chargers" ADD COLUMN "circuit_id" uuid;--> statement-breakpoint
ALTER TABLE "chargers" ADD COLUMN "max_current_a" double precision;--> statement-breakpoint
ALTER TABLE "chargers" ADD COLUMN "phase_rotation" jsonb DEFAULT '["L1","L2","L3"]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "chargers" ADD COLUMN "smart_charging_excluded" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "min_current_a" double precision DEFAULT 6 NOT NULL;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "priority" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "total_limit_kw" double precision;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "time_zone" text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "base_load_mode" text DEFAULT 'fixed' NOT NULL;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "base_load_a" jsonb DEFAULT '[0,0,0]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "metered_base_load_a" jsonb;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "metered_base_load_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "model_version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "circuits" ADD CONSTRAINT "circuits_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "circuits" ADD CONSTRAINT "circuits_parent_id_circuits_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."circuits"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "site_model_changes" ADD CONSTRAINT "site_model_changes_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "circuits_site_id_idx" ON "circuits" USING btree ("site_id");--> statement-breakpoint
CREATE UNIQUE INDEX "site_model_changes_site_version_idx" ON "site_model_changes" USING btree ("site_id","version");--> statement-breakpoint
ALTER TABLE "chargers" ADD CONSTRAINT "chargers_circuit_id_circuits_id_fk" FOREIGN KEY ("circuit_id") REFERENCES "public"."circuits"("id") ON DELETE restrict ON UPDATE no action;