import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JournalFullError, SubmitJournal, type JournalOptions, type JournalRow } from './submit-journal.ts';

interface Row extends JournalRow {
  text: string;
}

const row = (id: string, tenant = 'ten_1', account = 'acc_1'): Row => ({ id, tenant_id: tenant, account_id: account, text: `text of ${id}` });

/** Every row in the journal's segment files, by file name (`lenient`: unreadable lines left out). */
function onDisk(dir: string, lenient = false): Record<string, Row[]> {
  const files: Record<string, Row[]> = {};
  for (const name of readdirSync(dir).sort()) {
    if (!/^\d{12}\.jsonl$/.test(name)) continue;
    files[name] = readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Row];
        } catch (error) {
          if (lenient) return [];
          throw error;
        }
      });
  }
  return files;
}

/** A fake database: records each stored batch, can be held (`gate`) or made to fail. */
function fakeStore(dir: string) {
  const db = {
    batches: [] as Row[][],
    attempts: 0,
    stored: 0,
    fail: false,
    gate: undefined as Promise<void> | undefined,
    /** What the journal's files held when each batch reached the store. */
    diskAtStore: [] as Row[][],
    store: async (rows: Row[]) => {
      db.attempts++;
      db.diskAtStore.push(Object.values(onDisk(dir, true)).flat());
      await db.gate;
      if (db.fail) throw new Error('database unavailable');
      db.batches.push(rows);
    },
    onStored: () => {
      db.stored++;
    },
  };
  return db;
}

const never = { idleMs: 60_000, maxDelayMs: 60_000 };

describe('SubmitJournal', () => {
  let dir: string;
  const open: SubmitJournal<Row>[] = [];
  const log = pino({ level: 'silent' });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'submit-journal-'));
  });
  afterEach(async () => {
    // Releases the timers and file descriptors of the journals a test left open, the last opened first
    // (an abandoned "crashed" instance is closed after the one that replayed its segments).
    for (const journal of open.splice(0).reverse()) await journal.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(db: ReturnType<typeof fakeStore>, options: Partial<JournalOptions<Row>> = {}) {
    const journal = new SubmitJournal<Row>({ dir, store: db.store, onStored: db.onStored, log, ...options });
    await journal.open();
    open.push(journal);
    return journal;
  }

  const waitFor = (check: () => void, timeout = 2_000) => vi.waitFor(check, { timeout, interval: 5 });

  it('resolves append once the row is in a segment file, before it reaches the store', async () => {
    const db = fakeStore(dir);
    const journal = await start(db, never);
    await Promise.all([journal.append(row('m1')), journal.append(row('m2'))]);
    await journal.append(row('m3'));
    expect(onDisk(dir)).toEqual({ '000000000001.jsonl': [row('m1'), row('m2'), row('m3')] });
    expect(db.attempts).toBe(0);
  });

  it('moves rows into the store after the idle pause, in moveBatch chunks, then deletes the emptied segment', async () => {
    const db = fakeStore(dir);
    const journal = await start(db, { idleMs: 10, maxDelayMs: 60_000, moveBatch: 2 });
    await Promise.all([journal.append(row('m1')), journal.append(row('m2')), journal.append(row('m3'))]);
    await waitFor(() => expect(db.batches).toHaveLength(2));
    expect(db.batches).toEqual([[row('m1'), row('m2')], [row('m3')]]);
    expect(db.stored).toBe(2);
    // The rows were on disk when each batch was stored.
    expect(db.diskAtStore).toEqual([
      [row('m1'), row('m2'), row('m3')],
      [row('m1'), row('m2'), row('m3')],
    ]);
    // Segment 1 is gone; segment 2, opened when moving started, is empty.
    await waitFor(() => expect(onDisk(dir)).toEqual({ '000000000002.jsonl': [] }));

    await journal.append(row('m4'));
    await waitFor(() => expect(db.batches).toHaveLength(3));
    expect(db.batches[2]).toEqual([row('m4')]);
    await waitFor(() => expect(onDisk(dir)).toEqual({ '000000000003.jsonl': [] }));
  });

  it('moves at once when moveAt rows wait', async () => {
    const db = fakeStore(dir);
    const journal = await start(db, { ...never, moveAt: 3 });
    await Promise.all([journal.append(row('m1')), journal.append(row('m2'))]);
    expect(db.attempts).toBe(0);
    await journal.append(row('m3'));
    await waitFor(() => expect(db.batches).toEqual([[row('m1'), row('m2'), row('m3')]]));
  });

  it('moves once the oldest waiting row is maxDelayMs old, even while rows keep arriving', async () => {
    const db = fakeStore(dir);
    const journal = await start(db, { idleMs: 60_000, maxDelayMs: 30 });
    await journal.append(row('m1'));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(db.attempts).toBe(0);
    await journal.append(row('m2'));
    await waitFor(() => expect(db.batches).toEqual([[row('m1'), row('m2')]]));
  });

  it('holds a row only between append and store, and only for its tenant and account', async () => {
    const db = fakeStore(dir);
    const gate = Promise.withResolvers<void>();
    db.gate = gate.promise;
    const journal = await start(db, { idleMs: 10, maxDelayMs: 60_000 });
    expect(journal.holds('ten_1', 'acc_1', 'm1')).toBe(false);
    await journal.append(row('m1'));
    expect(journal.holds('ten_1', 'acc_1', 'm1')).toBe(true);
    expect(journal.holds('ten_2', 'acc_1', 'm1')).toBe(false);
    expect(journal.holds('ten_1', 'acc_2', 'm1')).toBe(false);
    expect(journal.holds('ten_1', 'acc_1', 'm2')).toBe(false);

    // Still held while the insert is running.
    await waitFor(() => expect(db.attempts).toBe(1));
    expect(journal.holds('ten_1', 'acc_1', 'm1')).toBe(true);
    gate.resolve();
    await waitFor(() => expect(db.batches).toEqual([[row('m1')]]));
    expect(journal.holds('ten_1', 'acc_1', 'm1')).toBe(false);
  });

  it('replays what a crashed instance left, once, and deletes its segments', async () => {
    const crashedDb = fakeStore(dir);
    const crashed = await start(crashedDb, never);
    await Promise.all([crashed.append(row('m1')), crashed.append(row('m2'))]);
    await crashed.append(row('m3', 'ten_2', 'acc_9'));
    // `crashed` is abandoned: no close(), nothing moved (afterEach releases its timer and file).
    expect(onDisk(dir)).toEqual({ '000000000001.jsonl': [row('m1'), row('m2'), row('m3', 'ten_2', 'acc_9')] });

    const db = fakeStore(dir);
    const restarted = await start(db);
    expect(db.batches).toEqual([[row('m1'), row('m2'), row('m3', 'ten_2', 'acc_9')]]);
    expect(db.stored).toBe(1);
    expect(onDisk(dir)).toEqual({ '000000000002.jsonl': [] });
    expect(restarted.holds('ten_1', 'acc_1', 'm1')).toBe(false);
    expect(crashedDb.attempts).toBe(0);
  });

  it('replays every leftover segment in order, in moveBatch chunks, and leaves other files alone', async () => {
    writeFileSync(join(dir, '000000000007.jsonl'), `${JSON.stringify(row('m3'))}\n`);
    writeFileSync(join(dir, '000000000003.jsonl'), `${JSON.stringify(row('m1'))}\n${JSON.stringify(row('m2'))}\n`);
    writeFileSync(join(dir, 'notes.txt'), 'not a segment\n');
    const db = fakeStore(dir);
    const journal = await start(db, { moveBatch: 1 });
    expect(db.batches).toEqual([[row('m1')], [row('m2')], [row('m3')]]);
    expect(readdirSync(dir).sort()).toEqual(['000000000008.jsonl', 'notes.txt']);
    await journal.append(row('m4'));
    expect(readFileSync(join(dir, '000000000008.jsonl'), 'utf8')).toBe(`${JSON.stringify(row('m4'))}\n`);
  });

  it('skips a torn last line at replay and still replays the valid rows', async () => {
    const crashed = await start(fakeStore(dir), never);
    await Promise.all([crashed.append(row('m1')), crashed.append(row('m2'))]);
    appendFileSync(join(dir, '000000000001.jsonl'), '{"id":"m3","tenant_id":"ten_1","acc');

    const db = fakeStore(dir);
    const warn = vi.spyOn(log, 'warn');
    try {
      await start(db);
      expect(db.batches).toEqual([[row('m1'), row('m2')]]);
      expect(warn).toHaveBeenCalledWith({ segment: 1, lines: 1 }, expect.stringContaining('unreadable journal lines skipped'));
      expect(onDisk(dir)).toEqual({ '000000000002.jsonl': [] });
    } finally {
      warn.mockRestore();
    }
  });

  it('keeps the rows when the store fails, and stores them on the retry', async () => {
    const db = fakeStore(dir);
    db.fail = true;
    const journal = await start(db, { idleMs: 10, maxDelayMs: 60_000 });
    await Promise.all([journal.append(row('m1')), journal.append(row('m2'))]);
    await waitFor(() => expect(db.attempts).toBe(1));
    db.fail = false;
    expect(db.batches).toEqual([]);
    expect(db.stored).toBe(0);
    expect(journal.holds('ten_1', 'acc_1', 'm1')).toBe(true);
    expect(journal.holds('ten_1', 'acc_1', 'm2')).toBe(true);
    expect(onDisk(dir)).toEqual({ '000000000001.jsonl': [row('m1'), row('m2')], '000000000002.jsonl': [] });

    // The retry comes 1 s later.
    await waitFor(() => expect(db.batches).toEqual([[row('m1'), row('m2')]]), 5_000);
    expect(db.attempts).toBe(2);
    expect(journal.holds('ten_1', 'acc_1', 'm1')).toBe(false);
    expect(journal.holds('ten_1', 'acc_1', 'm2')).toBe(false);
    await waitFor(() => expect(onDisk(dir)).toEqual({ '000000000002.jsonl': [] }));
  });

  it('close writes pending rows, moves everything and leaves no segment file', async () => {
    const db = fakeStore(dir);
    const journal = await start(db, never);
    await journal.append(row('m1'));
    // Not yet written when close() starts.
    const pending = journal.append(row('m2'));
    await journal.close();
    await pending;
    expect(db.batches).toEqual([[row('m1'), row('m2')]]);
    expect(db.stored).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
    expect(journal.holds('ten_1', 'acc_1', 'm1')).toBe(false);
  });

  it('close waits for a move in flight and then moves the rows that arrived during it', async () => {
    const db = fakeStore(dir);
    const gate = Promise.withResolvers<void>();
    db.gate = gate.promise;
    const journal = await start(db, { idleMs: 10, maxDelayMs: 60_000 });
    await journal.append(row('m1'));
    await waitFor(() => expect(db.attempts).toBe(1));
    await journal.append(row('m2'));
    const closed = journal.close();
    gate.resolve();
    await closed;
    expect(db.batches).toEqual([[row('m1')], [row('m2')]]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('close leaves the rows on disk when the store refuses them, and the next start replays them', async () => {
    const refusing = fakeStore(dir);
    refusing.fail = true;
    const journal = await start(refusing, never);
    await Promise.all([journal.append(row('m1')), journal.append(row('m2'))]);
    await journal.close();
    expect(refusing.batches).toEqual([]);
    expect(Object.values(onDisk(dir)).flat()).toEqual([row('m1'), row('m2')]);

    const db = fakeStore(dir);
    await start(db);
    expect(db.batches).toEqual([[row('m1'), row('m2')]]);
    expect(onDisk(dir)).toEqual({ '000000000003.jsonl': [] });
  });

  it('refuses appends beyond maxUnstored with JournalFullError, and accepts again once rows are stored', async () => {
    const db = fakeStore(dir);
    const gate = Promise.withResolvers<void>();
    db.gate = gate.promise;
    const journal = await start(db, { idleMs: 10, maxDelayMs: 60_000, maxUnstored: 3 });
    const accepted = [journal.append(row('m1')), journal.append(row('m2')), journal.append(row('m3'))];
    // Counted while still pending the write…
    await expect(journal.append(row('m4'))).rejects.toBeInstanceOf(JournalFullError);
    await Promise.all(accepted);
    // …and while written but not stored.
    await expect(journal.append(row('m5'))).rejects.toBeInstanceOf(JournalFullError);
    gate.resolve();
    await waitFor(() => expect(db.batches).toEqual([[row('m1'), row('m2'), row('m3')]]));
    await journal.append(row('m6'));
    await journal.close();
    expect(db.batches).toEqual([[row('m1'), row('m2'), row('m3')], [row('m6')]]);
  });

  it('refuses appends before open and after close', async () => {
    const db = fakeStore(dir);
    const unopened = new SubmitJournal<Row>({ dir, store: db.store, onStored: db.onStored, log });
    await expect(unopened.append(row('m1'))).rejects.toThrow('the submit journal is not open');
    const journal = await start(db, never);
    await journal.close();
    await expect(journal.append(row('m2'))).rejects.toThrow('the submit journal is not open');
    expect(db.attempts).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});

