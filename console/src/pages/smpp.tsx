/** SMPP accounts for Adobe Campaign (or any ESME): created from the API's schema, the password shown once with Campaign's settings. */
import { useState } from 'react';
import { del, get, post } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { requestSchema } from '../openapi.ts';
import { SchemaForm } from '../schema-form.tsx';
import { ResourceTable } from '../resource-table.tsx';
import { Badge, CopyButton, ErrorBox, Loaded, ShownOnce, useAction, useLoad, When } from '../ui.tsx';

interface SmppAccount {
  id: string;
  systemId: string;
  bindTypes: string[];
  maxBinds: number;
  throughputPerSecond: number | null;
  enabled: boolean;
  createdAt: string;
  password?: string;
}

/** The values to type into Campaign's SMPP external account (docs/adobe-campaign.md, section 3). */
export function campaignBlock(account: SmppAccount, password: string, host: string): string {
  return [
    'SMSC implementation name: Generic',
    `Server: ${host}`,
    'Port: 2775',
    `Account: ${account.systemId}`,
    `Password: ${password}`,
    `SMPP connection mode: ${account.bindTypes.includes('transceiver') ? 'Transceiver' : 'Transmitter + receiver'}`,
    'Use different parameters for the receiver: unchecked',
    `Simultaneous connections: at most ${account.maxBinds} in all (a transmitter + receiver pair counts two)`,
    `Max MT throughput: at most ${account.throughputPerSecond ?? 'unlimited'} per second in all`,
    'Sending window: 10 to 30',
    'ID format in MT acknowledgement / in SR: Do not modify',
  ].join('\n');
}

export function SmppPage() {
  const { t } = useI18n();
  const accounts = useLoad(() => get<{ data: SmppAccount[] }>('/v1/smpp/accounts'));
  const schema = useLoad(() => requestSchema('/v1/smpp/accounts', 'post'));
  const [value, setValue] = useState<Record<string, unknown>>({ bindTypes: ['transceiver'] });
  const [created, setCreated] = useState<SmppAccount | undefined>();
  const create = useAction(async (data: Record<string, unknown>) => {
    setCreated(await post<SmppAccount>('/v1/smpp/accounts', data));
    accounts.reload();
  });
  const remove = useAction(async (id: string) => {
    if (!confirm(t('Delete this SMPP account? Its sessions are closed.'))) return;
    await del(`/v1/smpp/accounts/${id}`);
    accounts.reload();
  });
  const block = created?.password ? campaignBlock(created, created.password, location.hostname) : undefined;
  return (
    <>
      <h1>{t('SMPP accounts')}</h1>
      <p className="muted">{t('Adobe Campaign (or any SMPP client) sends through the hub with one of these accounts: docs/adobe-campaign.md.')}</p>
      {created && block ? (
        <ShownOnce title={t('Account {systemId} created', { systemId: created.systemId })} warning={t('Copy the password now: the hub never shows it again.')} values={[{ label: t('Password'), value: created.password! }]} testId="smpp-created">
          <h3>{t('Adobe Campaign external account')}</h3>
          <pre className="json" data-testid="campaign-block">
            {block}
          </pre>
          <CopyButton text={block} label={t('Copy the settings')} />
        </ShownOnce>
      ) : null}
      <Loaded state={accounts}>
        {(list) => (
          <ResourceTable
            rows={list.data}
            rowKey={(account) => account.id}
            testId="smpp-accounts"
            empty={t('No SMPP account yet.')}
            columns={[
              { header: 'system_id', cell: (account) => <code>{account.systemId}</code> },
              { header: t('Bind types'), cell: (account) => account.bindTypes.join(', ') },
              { header: t('Status'), cell: (account) => <Badge value={account.enabled ? 'active' : 'disabled'} /> },
              { header: t('Created'), cell: (account) => <When at={account.createdAt} /> },
              {
                cell: (account) => (
                  <button type="button" className="danger" onClick={() => remove.run(account.id)}>
                    {t('Delete')}
                  </button>
                ),
              },
            ]}
          />
        )}
      </Loaded>
      <ErrorBox error={remove.error} />
      <section className="panel">
        <h2>{t('New account')}</h2>
        <p className="muted">{t('Leave the password empty: the hub generates one and shows it once.')}</p>
        <Loaded state={schema}>
          {(formSchema) => <SchemaForm schema={formSchema} value={value} onChange={setValue} onSubmit={(data) => create.run(data)} submitLabel={t('Create the account')} disabled={create.busy} idPrefix="smpp" />}
        </Loaded>
        <ErrorBox error={create.error} />
      </section>
    </>
  );
}
