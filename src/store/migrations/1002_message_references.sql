-- Ids other systems know a message by: the message_id the hub's SMPP server answered to each
-- submit_sm part (an Adobe Campaign admin knows only that one). Owned by the sending core, filled
-- when a message is accepted (and when a resent part is linked to its message), so the lookup
-- outlives the SMPP server's own 7-day part records. `system` names the namespace ('smpp').
CREATE TABLE message_references (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  system text NOT NULL,
  reference text NOT NULL,
  message_id text NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  PRIMARY KEY (tenant_id, system, reference)
);

CREATE INDEX message_references_message ON message_references (message_id);
