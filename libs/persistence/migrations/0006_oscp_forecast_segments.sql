CREATE TABLE "capacity_forecast_segments" (
	"id" serial PRIMARY KEY NOT NULL,
	"peer_id" uuid NOT NULL,
	"group_id" text NOT NULL,
	"type" text NOT NULL,
	"segment_count" integer NOT NULL,
	"segment_index" integer NOT NULL,
	"request_id" text NOT NULL,
	"body" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "capacity_forecast_segments" ADD CONSTRAINT "capacity_forecast_segments_peer_id_dso_peers_id_fk" FOREIGN KEY ("peer_id") REFERENCES "public"."dso_peers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "capacity_forecast_segments_idx" ON "capacity_forecast_segments" USING btree ("peer_id","group_id","type","segment_index");