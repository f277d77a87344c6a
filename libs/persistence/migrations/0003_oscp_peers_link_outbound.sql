CREATE TABLE "dso_peer_link_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"peer_id" uuid NOT NULL,
	"from_link" text NOT NULL,
	"to_link" text NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "oscp_outbound_attempts" (
	"id" serial PRIMARY KEY NOT NULL,
	"message_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"url" text NOT NULL,
	"http_status" integer,
	"error" text,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "oscp_outbound_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"peer_id" uuid NOT NULL,
	"message" text NOT NULL,
	"request_id" text NOT NULL,
	"correlation_id" text,
	"body" jsonb NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "dso_peers" ALTER COLUMN "token_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "dso_peers" ADD COLUMN "base_url" text;--> statement-breakpoint
ALTER TABLE "dso_peers" ADD COLUMN "outbound_token_sealed" text;--> statement-breakpoint
ALTER TABLE "dso_peers" ADD COLUMN "options" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "dso_peers" ADD COLUMN "registration" text DEFAULT 'PENDING' NOT NULL;--> statement-breakpoint
ALTER TABLE "dso_peers" ADD COLUMN "link" text DEFAULT 'UNKNOWN' NOT NULL;--> statement-breakpoint
ALTER TABLE "dso_peers" ADD COLUMN "link_changed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "dso_peers" ADD COLUMN "peer_required_behaviour" jsonb;--> statement-breakpoint
ALTER TABLE "dso_peers" ADD COLUMN "last_heartbeat_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "dso_peers" ADD COLUMN "offline_mode_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "dso_peer_link_events" ADD CONSTRAINT "dso_peer_link_events_peer_id_dso_peers_id_fk" FOREIGN KEY ("peer_id") REFERENCES "public"."dso_peers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oscp_outbound_attempts" ADD CONSTRAINT "oscp_outbound_attempts_message_id_oscp_outbound_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."oscp_outbound_messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oscp_outbound_messages" ADD CONSTRAINT "oscp_outbound_messages_peer_id_dso_peers_id_fk" FOREIGN KEY ("peer_id") REFERENCES "public"."dso_peers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dso_peer_link_events_peer_idx" ON "dso_peer_link_events" USING btree ("peer_id","at");--> statement-breakpoint
CREATE INDEX "oscp_outbound_attempts_message_idx" ON "oscp_outbound_attempts" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "oscp_outbound_messages_peer_idx" ON "oscp_outbound_messages" USING btree ("peer_id","created_at");