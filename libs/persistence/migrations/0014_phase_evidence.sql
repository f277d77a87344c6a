ALTER TABLE "connectors" ADD COLUMN "phase_evidence" jsonb;--> statement-breakpoint
-- data: phases learnt from a single reading before evidence was kept are not trusted; sessions learn them again.
UPDATE "connectors" SET "phases_in_use" = NULL, "phases_in_use_mask" = NULL;
