import type { Command } from 'commander';
import type { Store } from '../../store/db.ts';
import { CreateAccountSchema, toAccountView, type SmppAccount } from './account.ts';
import { createAccount, deleteAccount, getAccount, listAccounts, SystemIdTakenError, updateAccount } from './account-store.ts';

export interface CliContext {
  withStore<T>(work: (store: Store) => Promise<T>): Promise<T>;
  requireTenant(store: Store, tenantId: string): Promise<void>;
  /** Ends the command with this message (no stack trace). */
  fail(message: string): never;
  /** Writes a line for the operator (stdout). */
  print(line: string): void;
}

/** Schema field → the command-line option that sets it, for error messages. */
const OPTION_OF: Record<string, string> = {
  systemId: 'system-id',
  bindTypes: 'bind-types',
  allowedIps: 'allowed-ips',
  maxBinds: 'max-binds',
  throughputPerSecond: 'throughput',
  defaultSender: 'default-sender',
};

const list = (value: string) => value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);

function describe(account: SmppAccount): string {
  const view = toAccountView(account);
  return [
    view.id,
    view.systemId,
    view.enabled ? 'enabled' : 'disabled',
    `binds ${view.bindTypes.join('+')} (max ${view.maxBinds})`,
    view.throughputPerSecond === null ? 'no throughput limit' : `${view.throughputPerSecond}/s`,
    view.category,
    view.defaultSender ? `default sender ${view.defaultSender}` : 'no default sender',
    view.allowedIps.length > 0 ? `from ${view.allowedIps.join(', ')}` : 'from any address',
  ].join('\t');
}

/** `hub smpp-accounts create|list|reset-password|delete` (docs/adobe-campaign.md). */
export function registerSmppAccountCommands(program: Command, context: CliContext): void {
  const accounts = program.command('smpp-accounts').description('SMPP accounts that ESMEs (Adobe Campaign, Kannel…) bind with');
  accounts
    .command('create')
    .description('Create an SMPP account (a generated password is shown once)')
    .requiredOption('--tenant <id>', 'tenant id')
    .requiredOption('--system-id <systemId>', 'the system_id the ESME binds with (1-15 characters)')
    .option('--password <password>', 'the password (6-8 characters); generated when omitted')
    .option('--bind-types <types>', 'comma-separated: transmitter,receiver,transceiver', 'transmitter,receiver,transceiver')
    .option('--allowed-ips <ranges>', 'comma-separated addresses or CIDR blocks allowed to bind (default: any)')
    .option('--max-binds <n>', 'sessions bound at once', '10')
    .option('--throughput <perSecond>', 'submit_sm per second ("none" for no limit)', '1000')
    .option('--default-sender <sender>', 'sender used when source_addr is empty')
    .option('--category <category>', 'transactional (the ESME manages consent) or marketing (the hub applies its rules)', 'transactional')
    .action((options: Record<string, string | undefined>) =>
      context.withStore(async (store) => {
        await context.requireTenant(store, options.tenant!);
        const parsed = CreateAccountSchema.safeParse({
          systemId: options.systemId,
          ...(options.password === undefined ? {} : { password: options.password }),
          bindTypes: list(options.bindTypes!),
          allowedIps: options.allowedIps === undefined ? [] : list(options.allowedIps),
          maxBinds: Number(options.maxBinds),
          throughputPerSecond: options.throughput === 'none' ? null : Number(options.throughput),
          defaultSender: options.defaultSender ?? null,
          category: options.category,
        });
        if (!parsed.success) context.fail(parsed.error.issues.map((issue) => `--${OPTION_OF[String(issue.path[0])] ?? String(issue.path[0] ?? 'options')}: ${issue.message}`).join('\n'));
        try {
          const { account, password } = await createAccount(store, options.tenant!, parsed.data);
          context.print(`SMPP account created:\n${describe(account)}`);
          if (password) context.print(`Password (shown once, store it now): ${password}`);
        } catch (error) {
          if (error instanceof SystemIdTakenError) context.fail(error.message);
          throw error;
        }
      }),
    );
  accounts
    .command('list')
    .description('List the SMPP accounts of a tenant')
    .requiredOption('--tenant <id>', 'tenant id')
    .action((options: { tenant: string }) =>
      context.withStore(async (store) => {
        await context.requireTenant(store, options.tenant);
        for (const account of await listAccounts(store, options.tenant)) context.print(describe(account));
      }),
    );
  accounts
    .command('reset-password <accountId>')
    .description('Replace the password with a generated one (shown once)')
    .requiredOption('--tenant <id>', 'tenant id')
    .action((accountId: string, options: { tenant: string }) =>
      context.withStore(async (store) => {
        const updated = await updateAccount(store, options.tenant, accountId, { generatePassword: true });
        if (!updated) context.fail(`No SMPP account "${accountId}" in tenant "${options.tenant}".`);
        context.print(`New password for ${updated.account.systemId} (shown once, store it now): ${updated.password!}`);
      }),
    );
  accounts
    .command('delete <accountId>')
    .description('Delete an SMPP account')
    .requiredOption('--tenant <id>', 'tenant id')
    .action((accountId: string, options: { tenant: string }) =>
      context.withStore(async (store) => {
        const account = await getAccount(store, options.tenant, accountId);
        if (!account || !(await deleteAccount(store, options.tenant, accountId))) context.fail(`No SMPP account "${accountId}" in tenant "${options.tenant}".`);
        context.print(`SMPP account ${accountId} (${account.systemId}) deleted.`);
      }),
    );
}
