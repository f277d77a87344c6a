CREATE TABLE "id_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"id_token" text NOT NULL,
	"type" text DEFAULT 'ISO14443' NOT NULL,
	"status" text DEFAULT 'Accepted' NOT NULL,
	"expires_at" timestamp with time zone,
	"parent_id_token" text,
	"site_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "id_tokens" ADD CONSTRAINT "id_tokens_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "id_tokens_id_token_key" ON "id_tokens" USING btree (lower("id_token"));--> statement-breakpoint
CREATE INDEX "id_tokens_site_id_idx" ON "id_tokens" USING btree ("site_id");--> statement-breakpoint
CREATE TABLE "site_authorization" (
	"site_id" uuid PRIMARY KEY NOT NULL,
	"policy" text DEFAULT 'acceptAll' NOT NULL,
	"list_version" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "site_authorization" ADD CONSTRAINT "site_authorization_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE TABLE "charger_local_auth_lists" (
	"charger_id" uuid PRIMARY KEY NOT NULL,
	"list_version" integer NOT NULL,
	"entries" jsonb NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "charger_local_auth_lists" ADD CONSTRAINT "charger_local_auth_lists_charger_id_chargers_id_fk" FOREIGN KEY ("charger_id") REFERENCES "public"."chargers"("id") ON DELETE cascade ON UPDATE no action;
