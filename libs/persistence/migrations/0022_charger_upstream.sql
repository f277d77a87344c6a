ALTER TABLE "chargers" ADD COLUMN "upstream_url" text;--> statement-breakpoint
ALTER TABLE "chargers" ADD COLUMN "upstream_password" text;
