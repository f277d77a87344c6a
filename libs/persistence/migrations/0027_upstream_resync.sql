ALTER TABLE "chargers" ADD COLUMN "boot_payload" jsonb;--> statement-breakpoint
ALTER TABLE "chargers" ADD COLUMN "upstream_boot_pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "chargers" ADD COLUMN "upstream_connected_at" timestamp with time zone;
