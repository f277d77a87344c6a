CREATE TABLE "site_load_samples" (
	"id" serial PRIMARY KEY NOT NULL,
	"site_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"measured_a" jsonb NOT NULL,
	"planned_a" jsonb NOT NULL,
	"capacity_a" jsonb
);
--> statement-breakpoint
ALTER TABLE "site_load_samples" ADD CONSTRAINT "site_load_samples_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "site_load_samples_site_at_idx" ON "site_load_samples" USING btree ("site_id","at");