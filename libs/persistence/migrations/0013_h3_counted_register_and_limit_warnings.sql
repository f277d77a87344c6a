CREATE TABLE "limit_warnings" (
	"scope_key" text PRIMARY KEY NOT NULL,
	"state" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "energy_counted_wh" double precision;