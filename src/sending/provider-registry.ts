/**
 * Which provider carries a tenant's messages on each channel, and how providers come to exist.
 *
 * A provider kind (`sandbox`, `smpp`, `smtp`) registers one `ProviderFactory`: its settings schema,
 * its secrets schema, and `create(config, sink)`. A tenant picks a kind per channel with
 * `PUT /v1/sending/providers/{channel}`; settings are stored as JSON, secrets sealed with the vault
 * (bound to tenant and channel). Without a row the channel uses the embedded sandbox.
 *
 * Instances are created on first use and cached per tenant and channel. Each process checks the
 * row's `version` at most every `recheckMs`, so an update made through any process replaces the
 * instance everywhere; the old one is closed after a grace period, letting in-flight submits end.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { checkHost, type HostCheckOptions, type NetworkPolicy } from '../net/outbound-guard.ts';
import type { Db } from '../store/db.ts';
import type { Vault } from '../vault/vault.ts';
import type { Channel, Provider, ProviderSink } from './providers/provider.ts';
import { RateLimitSchema, type RateLimit } from './throughput.ts';

export interface ProviderContext {
  tenantId: string;
  channel: Channel;
  log: Logger;
  /** Every connection to a tenant-given host goes through the outbound guard (src/net) with this policy. */
  network: NetworkPolicy;
}

export interface ProviderConfig<Settings = unknown, Secrets = unknown> {
  settings: Settings;
  /** Undefined when the kind has no secrets or none were stored. */
  secrets: Secrets | undefined;
  context: ProviderContext;
}

/**
 * What a provider kind registers. `create` must not call the sink before it returns, and must not
 * acknowledge a receipt or inbound message to its peer before the sink's promise resolved.
 */
export interface ProviderFactory<Settings = unknown, Secrets = unknown> {
  kind: string;
  title: string;
  channels: readonly Channel[];
  /** Non-secret settings (host, port, system type, window…): stored as JSON and returned by the API. */
  settings: z.ZodType<Settings>;
  /** Credentials (password, API key): sealed in the vault, never returned by the API. */
  secrets?: z.ZodType<Secrets>;
  /** The hosts the provider connects to, by settings field: the outbound guard vets them when the settings are saved. */
  outboundHosts?(settings: Settings): { field: string; host: string }[];
  create(config: ProviderConfig<Settings, Secrets>, sink: ProviderSink): Provider | Promise<Provider>;
  /** Its providers implement `replayReceipts` (the sending sweeper asks them for overdue receipts). */
  replaysReceipts?: boolean;
}

/** Keeps `Settings`/`Secrets` inferred from the schemas when declaring a factory. */
export function defineProviderFactory<Settings, Secrets = never>(factory: ProviderFactory<Settings, Secrets>): ProviderFactory<Settings, Secrets> {
  return factory;
}

export const DEFAULT_PROVIDER_KIND = 'sandbox';

export interface StoredProvider {
  channel: Channel;
  kind: string;
  settings: unknown;
  hasSecrets: boolean;
  rateLimit: RateLimit | null;
  version: number;
  updatedAt: Date | null;
}

export class ProviderConfigError extends Error {
  readonly issues: { path: string; message: string }[];

  constructor(issues: { path: string; message: string }[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    this.name = 'ProviderConfigError';
    this.issues = issues;
  }
}

type Row = { kind: string; settings: unknown; secrets: string | null; rate_limit: unknown; version: number; updated_at: Date };

interface Cached {
  version: number;
  kind: string;
  rateLimit: RateLimit | null;
  provider: Promise<Provider>;
  checkedAt: number;
}

export interface ResolvedProvider {
  provider: Provider;
  kind: string;
  rateLimit: RateLimit | null;
  /** Identifies the rate limiter bucket: changes with the provider version. */
  limiterKey: string;
}

const secretsContext = (tenantId: string, channel: Channel) => `tenant:${tenantId}/sending-provider:${channel}`;

export class ProviderRegistry {
  readonly #db: Db;
  readonly #vault: Vault;
  readonly #log: Logger;
  readonly #sinkFor: (context: ProviderContext, kind: string) => ProviderSink;
  readonly #factories = new Map<string, ProviderFactory<unknown, unknown>>();
  readonly #instances = new Map<string, Cached>();
  readonly #retired = new Set<Promise<Provider>>();
  readonly #recheckMs: number;
  readonly #network: HostCheckOptions;
  #closed = false;

  constructor(options: { db: Db; vault: Vault; log: Logger; network: HostCheckOptions; sinkFor: (context: ProviderContext, kind: string) => ProviderSink; recheckMs?: number }) {
    this.#db = options.db;
    this.#network = options.network;
    this.#vault = options.vault;
    this.#log = options.log;
    this.#sinkFor = options.sinkFor;
    this.#recheckMs = options.recheckMs ?? 2_000;
  }

  /** Adds a provider kind. The SMPP and SMTP parts call this from the composition root. */
  register<Settings, Secrets>(factory: ProviderFactory<Settings, Secrets>): void {
    if (this.#factories.has(factory.kind)) throw new Error(`Provider kind "${factory.kind}" is registered twice`);
    this.#factories.set(factory.kind, factory as ProviderFactory<unknown, unknown>);
  }

  factories(): ProviderFactory<unknown, unknown>[] {
    return [...this.#factories.values()];
  }

  async get(tenantId: string, channel: Channel): Promise<StoredProvider> {
    const [row] = await this.#db.query<Row>('SELECT kind, settings, secrets, rate_limit, version, updated_at FROM sending_providers WHERE tenant_id = $1 AND channel = $2', [tenantId, channel]);
    if (!row) return { channel, kind: DEFAULT_PROVIDER_KIND, settings: this.#defaultSettings(), hasSecrets: false, rateLimit: null, version: 0, updatedAt: null };
    return { channel, kind: row.kind, settings: row.settings, hasSecrets: row.secrets !== null, rateLimit: parseRateLimit(row.rate_limit), version: row.version, updatedAt: row.updated_at };
  }

  /**
   * Validates and stores the tenant's provider for a channel. Secrets left out are kept when the
   * kind does not change (so settings can be edited without resending a password).
   * @throws ProviderConfigError with field paths relative to the body.
   */
  async put(tenantId: string, channel: Channel, input: { kind: string; settings?: unknown; secrets?: unknown; rateLimit?: RateLimit | null }): Promise<StoredProvider> {
    const factory = this.#factories.get(input.kind);
    if (!factory) {
      throw new ProviderConfigError([{ path: 'kind', message: `unknown provider kind "${input.kind}"; available: ${[...this.#factories.keys()].join(', ')}` }]);
    }
    if (!factory.channels.includes(channel)) {
      throw new ProviderConfigError([{ path: 'kind', message: `provider "${input.kind}" carries ${factory.channels.join(' and ')}, not ${channel}` }]);
    }
    const settings = factory.settings.safeParse(input.settings ?? {});
    if (!settings.success) throw new ProviderConfigError(settings.error.issues.map((issue) => ({ path: ['settings', ...issue.path].join('.'), message: issue.message })));
    await this.#checkHosts(factory, settings.data);
    let sealed: string | null | undefined;
    if (input.secrets !== undefined) {
      if (!factory.secrets) throw new ProviderConfigError([{ path: 'secrets', message: `provider "${input.kind}" takes no secrets` }]);
      const secrets = factory.secrets.safeParse(input.secrets);
      if (!secrets.success) throw new ProviderConfigError(secrets.error.issues.map((issue) => ({ path: ['secrets', ...issue.path].join('.'), message: issue.message })));
      sealed = this.#vault.seal(JSON.stringify(secrets.data), secretsContext(tenantId, channel));
    }
    const current = await this.get(tenantId, channel);
    if (sealed === undefined) {
      const [row] = await this.#db.query<{ secrets: string | null }>('SELECT secrets FROM sending_providers WHERE tenant_id = $1 AND channel = $2', [tenantId, channel]);
      sealed = current.kind === input.kind ? (row?.secrets ?? null) : null;
    }
    if (factory.secrets && sealed === null) {
      const empty = factory.secrets.safeParse({});
      if (!empty.success) throw new ProviderConfigError([{ path: 'secrets', message: `provider "${input.kind}" needs secrets: ${empty.error.issues.map((issue) => issue.path.join('.') || issue.message).join(', ')}` }]);
    }
    const rateLimit = input.rateLimit === undefined ? current.rateLimit : input.rateLimit;
    await this.#db.query(
      `INSERT INTO sending_providers (tenant_id, channel, kind, settings, secrets, rate_limit, version, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 1, now())
       ON CONFLICT (tenant_id, channel) DO UPDATE SET kind = excluded.kind, settings = excluded.settings, secrets = excluded.secrets,
         rate_limit = excluded.rate_limit, version = sending_providers.version + 1, updated_at = now()`,
      [tenantId, channel, input.kind, JSON.stringify(settings.data), sealed, rateLimit === null ? null : JSON.stringify(rateLimit)],
    );
    // This process sees the change at once; others within `recheckMs`.
    const cached = this.#instances.get(`${tenantId}:${channel}`);
    if (cached) cached.checkedAt = 0;
    return this.get(tenantId, channel);
  }

  /** The provider instance for a tenant's channel, created on first use. */
  async resolve(tenantId: string, channel: Channel): Promise<ResolvedProvider> {
    if (this.#closed) throw new Error('sending: provider registry closed');
    const key = `${tenantId}:${channel}`;
    const cached = this.#instances.get(key);
    const now = Date.now();
    if (cached && now - cached.checkedAt < this.#recheckMs) return this.#resolved(tenantId, channel, cached);
    const stored = await this.get(tenantId, channel);
    const fresh = this.#instances.get(key);
    if (fresh && fresh.version === stored.version && fresh.kind === stored.kind) {
      fresh.checkedAt = now;
      fresh.rateLimit = stored.rateLimit;
      return this.#resolved(tenantId, channel, fresh);
    }
    if (fresh) this.#retire(fresh.provider);
    const entry: Cached = { version: stored.version, kind: stored.kind, rateLimit: stored.rateLimit, provider: this.#create(tenantId, channel, stored), checkedAt: now };
    this.#instances.set(key, entry);
    entry.provider.catch(() => {
      if (this.#instances.get(key) === entry) this.#instances.delete(key);
    });
    return this.#resolved(tenantId, channel, entry);
  }

  /** Closes every instance (at shutdown, after the queue stopped running jobs). */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...[...this.#instances.values()].map((entry) => entry.provider), ...this.#retired];
    this.#instances.clear();
    this.#retired.clear();
    await Promise.allSettled(all.map(async (provider) => (await provider).close()));
  }

  async #resolved(tenantId: string, channel: Channel, entry: Cached): Promise<ResolvedProvider> {
    return { provider: await entry.provider, kind: entry.kind, rateLimit: entry.rateLimit, limiterKey: `${channel}:${entry.kind}` };
  }

  #retire(provider: Promise<Provider>): void {
    this.#retired.add(provider);
    const timer = setTimeout(() => {
      this.#retired.delete(provider);
      void provider.then((instance) => instance.close()).catch((error: unknown) => this.#log.warn({ err: error }, 'sending: closing a replaced provider failed'));
    }, 30_000);
    timer.unref();
  }

  async #create(tenantId: string, channel: Channel, stored: StoredProvider): Promise<Provider> {
    const factory = this.#factories.get(stored.kind);
    if (!factory) throw new Error(`sending: provider kind "${stored.kind}" of tenant ${tenantId} (${channel}) is not registered in this hub`);
    const settings = factory.settings.parse(stored.settings);
    let secrets: unknown;
    if (stored.hasSecrets) {
      const [row] = await this.#db.query<{ secrets: string }>('SELECT secrets FROM sending_providers WHERE tenant_id = $1 AND channel = $2', [tenantId, channel]);
      if (row?.secrets) secrets = factory.secrets?.parse(JSON.parse(this.#vault.open(row.secrets, secretsContext(tenantId, channel))));
    }
    const context: ProviderContext = { tenantId, channel, log: this.#log.child({ tenantId, channel, provider: stored.kind }), network: { allowPrivateTargets: this.#network.allowPrivateTargets } };
    const provider = await factory.create({ settings, secrets, context }, this.#sinkFor(context, stored.kind));
    if (provider.channel !== channel) throw new Error(`sending: provider "${stored.kind}" created a ${provider.channel} provider for ${channel}`);
    return provider;
  }

  /** Refuses a host the provider may not connect to (it is checked again on every connection). */
  async #checkHosts(factory: ProviderFactory<unknown, unknown>, settings: unknown): Promise<void> {
    const issues: { path: string; message: string }[] = [];
    for (const { field, host } of factory.outboundHosts?.(settings) ?? []) {
      const checked = await checkHost(host, this.#network);
      if (!checked.ok) issues.push({ path: `settings.${field}`, message: checked.message });
    }
    if (issues.length > 0) throw new ProviderConfigError(issues);
  }

  #defaultSettings(): unknown {
    const factory = this.#factories.get(DEFAULT_PROVIDER_KIND);
    return factory ? factory.settings.parse({}) : {};
  }
}

function parseRateLimit(value: unknown): RateLimit | null {
  if (value === null || value === undefined) return null;
  const parsed = RateLimitSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export const ProviderPutSchema = z
  .object({
    kind: z.string().min(1).max(40).describe('A registered provider kind: sandbox, smpp, smtp…'),
    settings: z.record(z.string(), z.unknown()).optional().describe('The kind\'s settings (GET /v1/sending/provider-kinds lists the kinds).'),
    secrets: z.record(z.string(), z.unknown()).optional().describe('Credentials, sealed with the vault and never returned. Left out: the stored ones are kept.'),
    rateLimit: RateLimitSchema.nullable().optional().describe('Token bucket for this provider; null removes it.'),
  })
  .strict();
