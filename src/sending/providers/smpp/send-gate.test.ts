import { describe, expect, it } from 'vitest';
import { SendGate } from './send-gate.ts';

const backoff = { initialMs: 1_000, maxMs: 4_000 };

describe('SendGate', () => {
  it('throttling pauses every send; refusals during the pause do not escalate it, a new episode doubles it up to the cap', () => {
    let now = 0;
    const gate = new SendGate({ window: 10, throttleBackoff: backoff, now: () => now });
    expect(gate.throttled()).toBe(1_000);
    now = 500;
    expect(gate.throttled()).toBe(500); // same episode: answers to requests sent before the pause
    now = 1_000;
    expect(gate.throttled()).toBe(2_000);
    now = 3_000;
    expect(gate.throttled()).toBe(4_000);
    now = 7_000;
    expect(gate.throttled()).toBe(4_000); // capped
    now = 11_000;
    gate.accepted();
    expect(gate.throttled()).toBe(1_000); // accepted again: starts over
  });

  it('a send whose deadline falls inside the pause goes back at once, saying when to come back', async () => {
    const gate = new SendGate({ window: 10, throttleBackoff: backoff });
    gate.throttled();
    const entry = await gate.enter(Date.now() + 100);
    expect(entry).toMatchObject({ ok: false, reason: expect.stringContaining('throttling'), retryAfterMs: expect.any(Number) });
    expect(entry.ok || entry.retryAfterMs! > 100).toBe(true);
  });

  it('the window: a waiter gets the slot released to it, or gives up at its deadline without keeping a place', async () => {
    const gate = new SendGate({ window: 1, throttleBackoff: backoff });
    const first = await gate.enter(Date.now() + 1_000);
    if (!first.ok) throw new Error(first.reason);
    const late = await gate.enter(Date.now() + 20);
    expect(late).toMatchObject({ ok: false, reason: expect.stringContaining('window') });
    const waiting = gate.enter(Date.now() + 5_000);
    first.release();
    first.release(); // twice is harmless
    const second = await waiting;
    expect(second.ok).toBe(true);
    expect(gate.slotsInUse).toBe(1);
  });

  it('the pace: a send that would leave after its deadline goes back with the wait', async () => {
    const gate = new SendGate({ window: 10, submitsPerSecond: 1, throttleBackoff: backoff });
    expect((await gate.enter(Date.now() + 5_000)).ok).toBe(true);
    expect(await gate.enter(Date.now() + 100)).toMatchObject({ ok: false, reason: 'pace of 1 submit_sm/s reached', retryAfterMs: expect.any(Number) });
  });

  it('close() sends every waiter back', async () => {
    const gate = new SendGate({ window: 1, throttleBackoff: backoff });
    await gate.enter(Date.now() + 1_000);
    const waiting = gate.enter(Date.now() + 60_000);
    gate.close();
    expect(await waiting).toEqual({ ok: false, reason: 'the SMPP provider is closing' });
  });
});
