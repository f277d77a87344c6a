CREATE TABLE "dso_peer_groups" (
	"group_id" text PRIMARY KEY NOT NULL,
	"peer_id" uuid NOT NULL,
	"bound_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "dso_peer_groups" ADD CONSTRAINT "dso_peer_groups_peer_id_dso_peers_id_fk" FOREIGN KEY ("peer_id") REFERENCES "public"."dso_peers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dso_peer_groups_peer_idx" ON "dso_peer_groups" USING btree ("peer_id");--> statement-breakpoint
-- data: a group that exactly one peer has sent forecasts for is bound to that peer. Groups that several peers
-- sent forecasts for stay unbound: no DSO may send for them until the admin binds them to one peer.
INSERT INTO "dso_peer_groups" ("group_id", "peer_id")
SELECT "group_id", (array_agg(DISTINCT "peer_id"))[1]
FROM "capacity_forecasts"
GROUP BY "group_id"
HAVING count(DISTINCT "peer_id") = 1;
