/**
 * bind_transmitter / bind_receiver / bind_transceiver → the account, or the command_status refusing it.
 *
 * Statuses (SMPP 3.4 §5.1.3), decided for Adobe admins reading Campaign's logs:
 * - unknown system_id → ESME_RINVSYSID, wrong password → ESME_RINVPASWD. Answering ESME_RBINDFAIL for
 *   both would hide whether a system_id exists, but the password check must answer RINVPASWD anyway,
 *   so existence is not secret; guessing is instead slowed by the per-address lock (bind-guard.ts).
 * - disabled account, bind type not allowed, address not allowed, too many binds, or an address
 *   locked after repeated failures → ESME_RBINDFAIL (the reason is logged, not sent).
 * The address allow-list is checked before the password: an address that may not bind learns nothing.
 * The lockout and `maxBinds` hold across every gateway (cluster-state.ts).
 */
import { createHash } from 'node:crypto';
import { CommandStatus } from '../../smpp-protocol/index.ts';
import type { Db } from '../../store/db.ts';
import { ipAllowed, type BindType, type SmppAccount } from '../accounts/account.ts';
import { findAccountBySystemId } from '../accounts/account-store.ts';
import { verifyPassword } from '../accounts/password.ts';

/** Failed binds per remote address, shared by every gateway (`SmppClusterState`). */
export interface BindLockout {
  isLocked(address: string, now: number): Promise<boolean>;
  recordFailure(address: string): Promise<void>;
  recordSuccess(address: string): Promise<void>;
}

export type BindDecision = { ok: true; account: SmppAccount } | { ok: false; status: number; reason: string };

export interface BindRequest {
  systemId: string;
  password: string;
  bindType: BindType;
  remoteAddress: string | undefined;
}

export class Authenticator {
  readonly #db: Db;
  readonly #guard: BindLockout;
  /** account id → hash of the password last verified against the stored scrypt hash (rebinds skip scrypt). */
  readonly #verified = new Map<string, { passwordHash: string; digest: string }>();

  constructor(db: Db, guard: BindLockout) {
    this.#db = db;
    this.#guard = guard;
  }

  /** `reserve` takes one of the account's `maxBinds` slots (across gateways); false when there is none left. */
  async authenticate(request: BindRequest, reserve: (account: SmppAccount) => Promise<boolean>): Promise<BindDecision> {
    const address = request.remoteAddress ?? 'unknown';
    const now = Date.now();
    if (await this.#guard.isLocked(address, now)) return { ok: false, status: CommandStatus.ESME_RBINDFAIL, reason: `too many failed binds from ${address}` };
    const fail = async (status: number, reason: string): Promise<BindDecision> => {
      await this.#guard.recordFailure(address);
      return { ok: false, status, reason };
    };
    const account = await findAccountBySystemId(this.#db, request.systemId);
    if (!account) return fail(CommandStatus.ESME_RINVSYSID, `no SMPP account with system_id "${request.systemId}"`);
    if (!account.enabled) return fail(CommandStatus.ESME_RBINDFAIL, 'the account is disabled');
    if (!ipAllowed(account.allowedIps, request.remoteAddress)) return fail(CommandStatus.ESME_RBINDFAIL, `${address} is not in the account's allowed addresses`);
    if (!(await this.#passwordMatches(account, request.password))) return fail(CommandStatus.ESME_RINVPASWD, 'wrong password');
    await this.#guard.recordSuccess(address);
    if (!account.bindTypes.includes(request.bindType)) {
      return { ok: false, status: CommandStatus.ESME_RBINDFAIL, reason: `bind_${request.bindType} is not allowed for this account (allowed: ${account.bindTypes.join(', ')})` };
    }
    if (!(await reserve(account))) {
      return { ok: false, status: CommandStatus.ESME_RBINDFAIL, reason: `the account already has ${account.maxBinds} bound session(s), its maximum` };
    }
    return { ok: true, account };
  }

  async #passwordMatches(account: SmppAccount, password: string): Promise<boolean> {
    const digest = createHash('sha256').update(account.id).update('\0').update(password).digest('base64');
    const known = this.#verified.get(account.id);
    if (known && known.passwordHash === account.passwordHash && known.digest === digest) return true;
    if (!(await verifyPassword(password, account.passwordHash))) return false;
    if (this.#verified.size >= 10_000) this.#verified.clear();
    this.#verified.set(account.id, { passwordHash: account.passwordHash, digest });
    return true;
  }
}
