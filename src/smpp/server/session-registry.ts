/**
 * Bound sessions of this process, by account: counts binds against the account's maximum and gives
 * the outbox pump the sessions that may receive deliver_sm (receiver and transceiver binds).
 */
import type { BindType, SmppAccount } from '../accounts/account.ts';
import type { OutboxPdu } from './deliver-pdus.ts';

export interface BoundSession {
  readonly accountId: string;
  readonly bindType: BindType;
  /** deliver_sm sent and not yet answered. */
  readonly deliveriesInFlight: number;
  /** Sends the deliver_sm; resolves with the command_status of deliver_sm_resp; rejects on timeout or close. */
  deliver(pdu: OutboxPdu): Promise<number>;
  /** Closes the session at once (the account was disabled or deleted, or the hub stops). */
  close(reason: string): void;
  /** The account's settings changed (through any gateway): later submits use these. */
  updateAccount(account: SmppAccount): void;
}

export class SessionRegistry {
  readonly #byAccount = new Map<string, Set<BoundSession>>();
  readonly #receiverListeners: ((accountId: string) => void)[] = [];

  onReceiverBound(listener: (accountId: string) => void): void {
    this.#receiverListeners.push(listener);
  }

  add(session: BoundSession): void {
    let sessions = this.#byAccount.get(session.accountId);
    if (!sessions) this.#byAccount.set(session.accountId, (sessions = new Set()));
    sessions.add(session);
    if (session.bindType !== 'transmitter') for (const listener of this.#receiverListeners) listener(session.accountId);
  }

  remove(session: BoundSession): void {
    const sessions = this.#byAccount.get(session.accountId);
    if (!sessions?.delete(session)) return;
    if (sessions.size === 0) this.#byAccount.delete(session.accountId);
  }

  count(accountId: string): number {
    return this.#byAccount.get(accountId)?.size ?? 0;
  }

  receivers(accountId: string): BoundSession[] {
    return [...(this.#byAccount.get(accountId) ?? [])].filter((session) => session.bindType !== 'transmitter');
  }

  /** Accounts with at least one receiver or transceiver bound here. */
  accountsWithReceivers(): string[] {
    return [...this.#byAccount.keys()].filter((accountId) => this.receivers(accountId).length > 0);
  }

  /** Accounts with at least one session bound here. */
  accountIds(): string[] {
    return [...this.#byAccount.keys()];
  }

  updateAccount(account: SmppAccount): void {
    for (const session of this.#byAccount.get(account.id) ?? []) session.updateAccount(account);
  }

  closeAccount(accountId: string, reason: string): void {
    for (const session of [...(this.#byAccount.get(accountId) ?? [])]) session.close(reason);
  }

  all(): BoundSession[] {
    return [...this.#byAccount.values()].flatMap((sessions) => [...sessions]);
  }
}
