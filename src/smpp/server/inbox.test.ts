import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testStores } from '../../../test/support/stores.ts';
import type { Store } from '../../store/db.ts';
import { createTenant } from '../../tenancy/tenants.ts';
import { SubmitInbox } from './inbox.ts';
import type { SubmitPart } from './submit-part.ts';

const part = (recipient: string): SubmitPart => ({
  groupKey: undefined,
  partTotal: 1,
  partSeq: 1,
  sourceAddr: 'Shop',
  sourceTon: 5,
  sourceNpi: 0,
  destinationAddr: recipient.slice(1),
  destTon: 1,
  destNpi: 1,
  sender: '',
  recipient,
  category: 'transactional',
  dataCoding: 0,
  userData: Buffer.from('Votre commande'),
  receipt: 'final',
  sendAt: undefined,
});

describe.each(testStores)('submit inbox ($kind)', (factory) => {
  let store: Store;
  let dir: string;

  beforeEach(async () => {
    store = await factory.open();
    dir = await mkdtemp(join(tmpdir(), 'inbox-'));
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a journaled batch and skips the parts of a tenant deleted meanwhile, without failing the others', async () => {
    const tenant = await createTenant(store, 'Boutique');
    const gone = await createTenant(store, 'Closed shop');
    const inbox = new SubmitInbox(store, { journalDir: dir, log: pino({ level: 'silent' }) });
    await inbox.open();
    // The session of a tenant being deleted may still journal a part: the journal does not look at tenants.
    await store.query('DELETE FROM tenants WHERE id = $1', [gone.id]);
    const skipped = await inbox.accept(gone.id, 'acc_2', part('+33612345679'));
    const kept = await inbox.accept(tenant.id, 'acc_1', part('+33612345678'));
    await inbox.close();

    const rows = await store.query<{ id: string; tenant_id: string }>('SELECT id, tenant_id FROM smpp_inbox ORDER BY seq');
    expect(rows).toEqual([{ id: kept, tenant_id: tenant.id }]);
    expect(rows.map((row) => row.id)).not.toContain(skipped);
  });
});
