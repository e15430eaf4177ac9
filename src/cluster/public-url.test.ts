import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testStores } from '../../test/support/stores.ts';
import { ConfigError } from '../config.ts';
import type { Store } from '../store/db.ts';
import { Heartbeat } from './heartbeat.ts';
import { agreePublicUrl } from './public-url.ts';

const log = pino({ level: 'silent' });
const postgres = testStores.find((factory) => factory.kind === 'postgres')!;

/** HUB_PUBLIC_URL is only checked on PostgreSQL (the embedded store has one process). */
describe('agreeing on HUB_PUBLIC_URL across processes', () => {
  let store: Store;
  const heartbeats: Heartbeat[] = [];
  const processStarting = () => {
    const heartbeat = new Heartbeat(store, 'gateway', log);
    heartbeats.push(heartbeat);
    return heartbeat;
  };
  const recorded = async () => (await store.query<{ value: string }>("SELECT value FROM hub_settings WHERE key = 'public_url'")).map((row) => row.value);

  beforeEach(async () => {
    store = await postgres.open();
  });
  afterEach(async () => {
    for (const heartbeat of heartbeats.splice(0)) await heartbeat.stop();
    await store.close();
  });

  it('records the first value, lets an unset process adopt it, and refuses a different one while a process runs', async () => {
    expect(await agreePublicUrl(store, processStarting(), { url: 'https://hub.example.com', explicit: true }, log)).toBe('https://hub.example.com');
    expect(await recorded()).toEqual(['https://hub.example.com']);
    expect(await agreePublicUrl(store, processStarting(), { url: 'http://localhost:3000', explicit: false }, log)).toBe('https://hub.example.com');

    const refused = processStarting();
    const attempt = agreePublicUrl(store, refused, { url: 'https://other.example.com', explicit: true }, log);
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow('HUB_PUBLIC_URL is "https://other.example.com" here but "https://hub.example.com" on the 2 running process(es)');
    // The refused process never became visible to the others.
    expect((await store.query('SELECT id FROM hub_processes WHERE id = $1', [refused.id])).length).toBe(0);
    expect(await recorded()).toEqual(['https://hub.example.com']);
  });

  it('records a new value when every process was stopped to change it', async () => {
    await agreePublicUrl(store, processStarting(), { url: 'https://hub.example.com', explicit: true }, log);
    for (const heartbeat of heartbeats.splice(0)) await heartbeat.stop();
    expect(await agreePublicUrl(store, processStarting(), { url: 'https://new.example.com', explicit: true }, log)).toBe('https://new.example.com');
    expect(await recorded()).toEqual(['https://new.example.com']);
  });

  it('two processes starting together with different values: exactly one starts', async () => {
    const outcomes = await Promise.allSettled([
      agreePublicUrl(store, processStarting(), { url: 'https://a.example.com', explicit: true }, log),
      agreePublicUrl(store, processStarting(), { url: 'https://b.example.com', explicit: true }, log),
    ]);
    const started = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    expect(started).toHaveLength(1);
    expect(await recorded()).toEqual([(started[0] as PromiseFulfilledResult<string>).value]);
  });
});
