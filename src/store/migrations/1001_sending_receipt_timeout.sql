-- The sweeper expires SMS still `submitted` past their tenant's receipt timeout: per tenant, oldest
-- submission first. No existing index orders submitted messages by submission time
-- (messages_tenant_status_seq orders by seq, i.e. creation, and scheduled messages leave later).
CREATE INDEX messages_submitted_sms ON messages (tenant_id, submitted_at) WHERE status = 'submitted' AND channel = 'sms';
