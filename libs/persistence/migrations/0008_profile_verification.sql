ALTER TABLE "connector_plans" ADD COLUMN "verification" text;--> statement-breakpoint
ALTER TABLE "connector_plans" ADD COLUMN "verification_detail" text;--> statement-breakpoint
ALTER TABLE "connector_plans" ADD COLUMN "verified_at" timestamp with time zone;