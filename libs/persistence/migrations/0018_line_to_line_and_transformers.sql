ALTER TABLE "sites" ADD COLUMN "line_to_line_voltage_v" double precision;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "transformer" jsonb;--> statement-breakpoint
ALTER TABLE "circuits" ADD COLUMN "transformer" jsonb;--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "line_to_line" text;
