ALTER TABLE "sites" ADD COLUMN "upstream_url" text;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "upstream_password" text;--> statement-breakpoint
ALTER TABLE "chargers" ADD COLUMN "upstream_mode" text DEFAULT 'site' NOT NULL;--> statement-breakpoint
UPDATE "chargers" SET "upstream_mode" = 'own' WHERE "upstream_url" IS NOT NULL;
