/**
 * An SMPP account: what an ESME (Adobe Campaign, Kannel, any SMPP 3.4 client) binds with, per tenant.
 * The shapes of the API and the CLI, as zod schemas; the stored row is in account-store.ts.
 */
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { MessageCategory } from '../../sending/message.ts';
import { SmsSenderSchema } from '../../sending/settings.ts';

export const BindType = z.enum(['transmitter', 'receiver', 'transceiver']);
export type BindType = z.infer<typeof BindType>;

/**
 * SMPP 3.4 §4.1.1: system_id is a C-Octet String of at most 16 octets with its NUL, so 15 characters;
 * printable ASCII without spaces, as ESME configuration screens accept it.
 */
export const SystemIdSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,15}$/, { error: 'a system_id is 1 to 15 printable ASCII characters without spaces (SMPP 3.4 §4.1.1 allows 15)' });

/** §4.1.1: password is at most 9 octets with its NUL, so 8 characters. */
export const SmppPasswordSchema = z
  .string()
  .regex(/^[\x21-\x7e]{6,8}$/, { error: 'an SMPP password is 6 to 8 printable ASCII characters (SMPP 3.4 §4.1.1 allows at most 8)' });

/** An IPv4/IPv6 address or a CIDR block ("203.0.113.0/24", "2001:db8::/32"). */
export const IpRangeSchema = z
  .string()
  .trim()
  .refine((value) => parseIpRange(value) !== undefined, { error: 'expected an IP address ("203.0.113.7") or a CIDR block ("203.0.113.0/24", "2001:db8::/32")' });

export function parseIpRange(value: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, extra] = value.split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** The allow-list as a BlockList; an empty list allows every address. IPv4-mapped IPv6 peers are matched as IPv4. */
export function ipAllowed(allowedIps: readonly string[], remoteAddress: string | undefined): boolean {
  if (allowedIps.length === 0) return true;
  if (remoteAddress === undefined) return false;
  const list = new BlockList();
  for (const range of allowedIps) {
    const parsed = parseIpRange(range);
    if (parsed) list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  const address = mapped ? mapped[1]! : remoteAddress;
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

const settingsShape = {
  bindTypes: z
    .array(BindType)
    .min(1)
    .transform((types) => [...new Set(types)])
    .describe('Bind types allowed. Adobe Campaign Classic v7 binds a transmitter and a separate receiver; v8 and Kannel can use one transceiver.'),
  allowedIps: z.array(IpRangeSchema).max(50).describe('Addresses the ESME may bind from; empty: any.'),
  maxBinds: z.number().int().min(1).max(100).describe('Sessions bound at once with this account, every bind type together, across all of the hub\'s gateways.'),
  throughputPerSecond: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .nullable()
    .describe('submit_sm per second over all sessions of the account, on every gateway together; above it submit_sm is answered ESME_RTHROTTLED. null: no limit.'),
  defaultSender: SmsSenderSchema.nullable().describe('Sender put in place of an empty source_addr (Adobe Campaign leaves it empty unless "Source number" is set).'),
  category: MessageCategory.describe(
    '"transactional" (default): messages are relayed as they come, the ESME manages consent. "marketing": the hub applies its own consent, opt-out list, quiet hours and STOP mention.',
  ),
  enabled: z.boolean().describe('A disabled account cannot bind; its bound sessions are closed, on every gateway within a second.'),
  description: z.string().trim().max(500).nullable(),
};

export const CreateAccountSchema = z
  .object({
    systemId: SystemIdSchema,
    password: SmppPasswordSchema.optional().describe('Omit to have one generated (returned once in the answer).'),
    bindTypes: settingsShape.bindTypes.default(['transmitter', 'receiver', 'transceiver']),
    allowedIps: settingsShape.allowedIps.default([]),
    maxBinds: settingsShape.maxBinds.default(10),
    throughputPerSecond: settingsShape.throughputPerSecond.default(1_000),
    defaultSender: settingsShape.defaultSender.default(null),
    category: settingsShape.category.default('transactional'),
    enabled: settingsShape.enabled.default(true),
    description: settingsShape.description.default(null),
  })
  .strict();
export type CreateAccount = z.output<typeof CreateAccountSchema>;

export const PatchAccountSchema = z
  .object({
    password: SmppPasswordSchema.optional(),
    generatePassword: z.literal(true).optional().describe('true: replace the password with a generated one, returned once in the answer.'),
    bindTypes: settingsShape.bindTypes.optional(),
    allowedIps: settingsShape.allowedIps.optional(),
    maxBinds: settingsShape.maxBinds.optional(),
    throughputPerSecond: settingsShape.throughputPerSecond.optional(),
    defaultSender: settingsShape.defaultSender.optional(),
    category: settingsShape.category.optional(),
    enabled: settingsShape.enabled.optional(),
    description: settingsShape.description.optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), { error: 'send at least one field to change' })
  .refine((body) => !(body.password !== undefined && body.generatePassword), { error: 'give either password or generatePassword, not both' });
export type PatchAccount = z.output<typeof PatchAccountSchema>;

export interface SmppAccount {
  id: string;
  tenantId: string;
  systemId: string;
  passwordHash: string;
  bindTypes: BindType[];
  allowedIps: string[];
  maxBinds: number;
  throughputPerSecond: number | null;
  defaultSender: string | null;
  category: MessageCategory;
  enabled: boolean;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const AccountViewSchema = z
  .object({
    id: z.string(),
    systemId: z.string(),
    bindTypes: z.array(BindType),
    allowedIps: z.array(z.string()),
    maxBinds: z.number().int(),
    throughputPerSecond: z.number().int().nullable(),
    defaultSender: z.string().nullable(),
    category: MessageCategory,
    enabled: z.boolean(),
    description: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'SmppAccount' });
export type AccountView = z.infer<typeof AccountViewSchema>;

export function toAccountView(account: SmppAccount): AccountView {
  return {
    id: account.id,
    systemId: account.systemId,
    bindTypes: account.bindTypes,
    allowedIps: account.allowedIps,
    maxBinds: account.maxBinds,
    throughputPerSecond: account.throughputPerSecond,
    defaultSender: account.defaultSender,
    category: account.category,
    enabled: account.enabled,
    description: account.description,
    createdAt: account.createdAt.toISOString(),
    updatedAt: account.updatedAt.toISOString(),
  };
}
