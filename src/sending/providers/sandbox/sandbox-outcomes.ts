/**
 * What the sandbox does with a message, decided from its recipient. Pure.
 *
 * Order: the tenant's explicit rules (exact address) → the built-in magic recipients → the
 * tenant's weighted random outcomes → delivered.
 *
 * Magic recipients (documented in docs/sending.md), like the test numbers of hosted SMS APIs:
 * - SMS: a number whose last six digits are 00000N, e.g. +33600000001 (a valid French mobile):
 *   0 delivered, 1 undelivered, 2 expired, 3 rejected at submit, 4 throttled once then delivered,
 *   5 no receipt at all, 6 the first part delivered and the other parts undelivered.
 * - Email: the local part (before any "+tag") names the outcome: undelivered@…, expired@…,
 *   rejected@…, throttled@…, silent@…, partial@… (delivered@… and anything else: delivered).
 */
import { z } from 'zod';

export const SandboxOutcome = z.enum(['delivered', 'undelivered', 'expired', 'rejected', 'throttled', 'silent', 'partial']);
export type SandboxOutcome = z.infer<typeof SandboxOutcome>;

const MAGIC_DIGITS: readonly SandboxOutcome[] = ['delivered', 'undelivered', 'expired', 'rejected', 'throttled', 'silent', 'partial'];

export const SandboxSettingsSchema = z
  .object({
    receiptDelayMs: z.number().int().min(0).max(600_000).default(1_000).describe('Delay before each receipt (a real SMSC answers in seconds).'),
    outcomes: z
      .object({ delivered: z.number().min(0).optional(), undelivered: z.number().min(0).optional(), expired: z.number().min(0).optional() })
      .strict()
      .refine((weights) => Object.values(weights).some((weight) => weight !== undefined && weight > 0), { error: 'give at least one positive weight' })
      .optional()
      .describe('Weighted random outcome for recipients not matched by a rule or a magic address, e.g. { "delivered": 0.9, "undelivered": 0.1 }.'),
    rules: z
      .array(z.object({ to: z.string().min(1).max(254), outcome: SandboxOutcome }).strict())
      .max(100)
      .default([])
      .describe('Exact recipients (E.164 or email) and what happens to them.'),
  })
  .strict();
export type SandboxSettings = z.infer<typeof SandboxSettingsSchema>;

export function magicOutcome(to: string): SandboxOutcome | undefined {
  if (to.includes('@')) {
    const local = to.slice(0, to.indexOf('@')).split('+')[0]!.toLowerCase();
    return SandboxOutcome.safeParse(local).success ? (local as SandboxOutcome) : undefined;
  }
  const match = /00000(\d)$/.exec(to);
  return match ? MAGIC_DIGITS[Number(match[1])] : undefined;
}

/** `random` is in [0, 1): injected so tests are deterministic. */
export function sandboxOutcome(settings: SandboxSettings, to: string, random: number): SandboxOutcome {
  const rule = settings.rules.find((candidate) => candidate.to.toLowerCase() === to.toLowerCase());
  if (rule) return rule.outcome;
  const magic = magicOutcome(to);
  if (magic) return magic;
  if (settings.outcomes) {
    const weights = Object.entries(settings.outcomes).filter((entry): entry is [SandboxOutcome, number] => entry[1] !== undefined && entry[1] > 0);
    const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
    let point = random * total;
    for (const [outcome, weight] of weights) {
      if (point < weight) return outcome;
      point -= weight;
    }
    return weights.at(-1)![0];
  }
  return 'delivered';
}
