-- Tracked links and message origins.
--
-- `origin` names what sent a message ("campaign:<id>", "scenario:<id>"), so the sender's results are
-- counted here, by the sending core, without the sender reading this table.
ALTER TABLE messages ADD COLUMN origin text;
CREATE INDEX messages_tenant_origin ON messages (tenant_id, origin, status) WHERE origin IS NOT NULL;

-- One row per `{{ link "…" }}` of one message: the short code a recipient opens (/l/<code>) and the
-- URL it redirects to. The code is random (not derived from anything guessable) and the target is
-- the stored URL, never something the request carries: no open redirect.
CREATE TABLE message_links (
  code text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  message_id text NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  url text NOT NULL,
  contact_id text,
  origin text,
  clicks integer NOT NULL DEFAULT 0,
  first_clicked_at timestamptz,
  last_clicked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_links_message ON message_links (tenant_id, message_id);
CREATE INDEX message_links_origin ON message_links (tenant_id, origin) WHERE origin IS NOT NULL;

-- STOP replies counted per origin go through inbound_sms.in_reply_to.
CREATE INDEX inbound_sms_in_reply_to ON inbound_sms (tenant_id, in_reply_to) WHERE in_reply_to IS NOT NULL;
