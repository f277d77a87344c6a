ALTER TABLE "chargers" ADD COLUMN "fail_safe_share_a" double precision;--> statement-breakpoint
ALTER TABLE "connector_plans" ADD COLUMN "renew_at" timestamp with time zone;