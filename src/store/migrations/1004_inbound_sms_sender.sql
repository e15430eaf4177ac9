-- What a number sent the tenant, newest first (a CRM's view of one person's SMS: the Salesforce tab's history).
CREATE INDEX inbound_sms_tenant_from ON inbound_sms (tenant_id, from_address, seq DESC);
