-- A tenant's contacts in id order: segments walk them in chunks (keyset on id), and each chunk's
-- ledger lines and stored members are read by the same id range.
CREATE INDEX contacts_tenant_id ON contacts (tenant_id, id);
