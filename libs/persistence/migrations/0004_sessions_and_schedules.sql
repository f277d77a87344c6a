CREATE TABLE "peak_shaving_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"site_id" uuid NOT NULL,
	"name" text NOT NULL,
	"weekdays" jsonb,
	"date" text,
	"start_time" text NOT NULL,
	"end_time" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"limit_kw" double precision,
	"limit_percent" double precision
);
--> statement-breakpoint
CREATE TABLE "session_preferences" (
	"transaction_id" integer PRIMARY KEY NOT NULL,
	"priority" integer,
	"energy_wanted_wh" double precision,
	"departure_at" timestamp with time zone,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tariff_windows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"site_id" uuid NOT NULL,
	"name" text NOT NULL,
	"weekdays" jsonb,
	"date" text,
	"start_time" text NOT NULL,
	"end_time" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"price_per_kwh" double precision NOT NULL,
	"currency" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "peak_shaving_rules" ADD CONSTRAINT "peak_shaving_rules_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_preferences" ADD CONSTRAINT "session_preferences_transaction_id_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."transactions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tariff_windows" ADD CONSTRAINT "tariff_windows_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "peak_shaving_rules_site_idx" ON "peak_shaving_rules" USING btree ("site_id");--> statement-breakpoint
CREATE INDEX "tariff_windows_site_idx" ON "tariff_windows" USING btree ("site_id");