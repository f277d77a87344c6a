ALTER TABLE "session_preferences" ADD COLUMN "source" text DEFAULT 'api' NOT NULL;--> statement-breakpoint
UPDATE "session_preferences" SET "source" = 'booking' WHERE "updated_by" LIKE 'booking %';--> statement-breakpoint
ALTER TABLE "session_preferences" ADD COLUMN "ev_min_current_a" double precision;--> statement-breakpoint
ALTER TABLE "session_preferences" ADD COLUMN "ev_max_current_a" double precision;--> statement-breakpoint
ALTER TABLE "session_preferences" ADD COLUMN "ev_max_power_w" double precision;--> statement-breakpoint
ALTER TABLE "session_preferences" ADD COLUMN "ev_phases" integer;
