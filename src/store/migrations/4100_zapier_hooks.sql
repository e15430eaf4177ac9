-- Optional filters of Zapier REST hooks (connectors/zapier): the subscription itself is a
-- webhook_subscriptions row of kind 'zapier'; a hook without filters has no row here.
CREATE TABLE zapier_hook_filters (
  subscription_id text PRIMARY KEY REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  -- HookFilters of connectors/zapier/filters.ts: { source?, data? }.
  filters jsonb NOT NULL
);
