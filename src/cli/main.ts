#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, loadConfig, unknownHubVariables, type HubConfig } from '../config.ts';
import { ROLES, type Role } from '../gateway/access.ts';
import { issueSetupToken, setupLink } from '../tenancy/setup-links.ts';
import { DataDirLockedError } from '../store/data-dir-lock.ts';
import type { Store } from '../store/db.ts';
import { openStore } from '../store/open-store.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../tenancy/api-keys.ts';
import { createTenant, getTenant, listTenants } from '../tenancy/tenants.ts';
import { registerSmppAccountCommands } from '../smpp/accounts/cli.ts';

/**
 * The operator's command line: `npm run hub -- <command>` (or `npx hub`). It opens the configured
 * store directly, so on the embedded store it runs while the hub is stopped (the data folder is
 * locked by a running hub); on PostgreSQL it runs any time.
 */
async function withStore<T>(work: (store: Store, config: HubConfig) => Promise<T>): Promise<T> {
  const config = loadConfig();
  for (const warning of unknownHubVariables()) console.error(`warning: ${warning}`);
  const store = await openStore(config.store);
  try {
    return await work(store, config);
  } finally {
    await store.close();
  }
}

async function requireTenant(store: Store, tenantId: string): Promise<void> {
  if (!(await getTenant(store, tenantId))) throw new CliError(`No tenant "${tenantId}". List them with: npm run hub -- tenants list`);
}

class CliError extends Error {}

const program = new Command('hub').description('Connector hub administration').showHelpAfterError();

const tenants = program.command('tenants').description('Tenants (one per customer organisation)');
tenants
  .command('create <name>')
  .description("Create a tenant, its first API key (owner role, shown once) and the setup link of its first owner's console account")
  .action((name: string) =>
    withStore(async (store, config) => {
      const { tenant, key, token } = await store.transaction(async (tx) => {
        const tenant = await createTenant(tx, name);
        const { key } = await createApiKey(tx, tenant.id, 'first key', undefined, 'owner');
        return { tenant, key, token: await issueSetupToken(tx, tenant.id) };
      });
      console.log(`Tenant ${tenant.id} "${tenant.name}" created.`);
      console.log(`API key (shown once, store it now): ${key}`);
      console.log(`Setup link: ${setupLink(config.publicUrl, token)} (creates the tenant's first owner in the console; valid 24 hours, once)`);
    }),
  );
tenants
  .command('setup-link <tenantId>')
  .description("Print a new setup link for a tenant without an owner (its first owner's console account)")
  .action((tenantId: string) =>
    withStore(async (store, config) => {
      await requireTenant(store, tenantId);
      console.log(`Setup link: ${setupLink(config.publicUrl, await issueSetupToken(store, tenantId))} (valid 24 hours, once)`);
    }),
  );
tenants
  .command('list')
  .description('List tenants')
  .action(() =>
    withStore(async (store) => {
      for (const tenant of await listTenants(store)) console.log(`${tenant.id}\t${tenant.name}\t${tenant.createdAt.toISOString()}`);
    }),
  );

const keys = program.command('keys').description('API keys of a tenant');
keys
  .command('create')
  .requiredOption('--tenant <id>', 'tenant id')
  .option('--name <name>', 'what the key is for', 'api key')
  .option('--role <role>', `what the key may do: ${ROLES.join(', ')}`, 'admin')
  .description('Create an API key (shown once)')
  .action((options: { tenant: string; name: string; role: string }) =>
    withStore(async (store) => {
      await requireTenant(store, options.tenant);
      if (!(ROLES as readonly string[]).includes(options.role)) throw new CliError(`--role must be one of ${ROLES.join(', ')}.`);
      const { key, info } = await createApiKey(store, options.tenant, options.name, undefined, options.role as Role);
      console.log(`API key ${info.id} created (shown once, store it now): ${key}`);
    }),
  );
keys
  .command('list')
  .requiredOption('--tenant <id>', 'tenant id')
  .description('List API keys (hints only; keys are stored hashed)')
  .action((options: { tenant: string }) =>
    withStore(async (store) => {
      await requireTenant(store, options.tenant);
      for (const key of await listApiKeys(store, options.tenant)) {
        console.log(`${key.id}\t${key.hint}\t${key.name}\t${key.revokedAt ? 'revoked' : 'active'}\tlast used ${key.lastUsedAt?.toISOString() ?? 'never'}`);
      }
    }),
  );
keys
  .command('revoke <keyId>')
  .requiredOption('--tenant <id>', 'tenant id')
  .description('Revoke an API key')
  .action((keyId: string, options: { tenant: string }) =>
    withStore(async (store) => {
      if (!(await revokeApiKey(store, options.tenant, keyId))) throw new CliError(`No active key "${keyId}" in tenant "${options.tenant}".`);
      console.log(`API key ${keyId} revoked.`);
    }),
  );

program
  .command('migrate')
  .description('Apply pending migrations and exit (a deployment\'s one-shot step before starting new processes)')
  // Opening the store migrates it, under the same lock the processes take at start.
  .action(() => withStore(async () => console.log('Migrations applied.')));

registerSmppAccountCommands(program, {
  withStore,
  requireTenant,
  fail: (message) => {
    throw new CliError(message);
  },
  print: (line) => console.log(line),
});

program.parseAsync().catch((error: unknown) => {
  if (error instanceof DataDirLockedError) {
    console.error(`${error.message}\nThe embedded store is locked by the running hub: stop it, run this command, then start it again.`);
  } else if (error instanceof ConfigError || error instanceof CliError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
