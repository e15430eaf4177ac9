/** SMPP accounts for Adobe Campaign (or any ESME): created from the API's schema, the password shown once with Campaign's settings. */
import { useState } from 'react';
import { del, get, post } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { openApiDocument, standalone } from '../openapi.ts';
import { SchemaForm } from '../schema-form.tsx';
import { Badge, CopyButton, ErrorBox, Loaded, Secret, useAction, useLoad, When } from '../ui.tsx';

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
  const schema = useLoad(async () => {
    const document = await openApiDocument();
    const paths = document.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
    return standalone(document, paths['/v1/smpp/accounts']!.post!.requestBody!.content['application/json']!.schema);
  });
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
        <section className="panel success" aria-live="polite">
          <h2>{t('Account {systemId} created', { systemId: created.systemId })}</h2>
          <p className="warning-text">{t('Copy the password now: the hub never shows it again.')}</p>
          <Secret label={t('Password')} value={created.password!} />
          <h3>{t('Adobe Campaign external account')}</h3>
          <pre className="json">{block}</pre>
          <CopyButton text={block} label={t('Copy the settings')} />
        </section>
      ) : null}
      <Loaded state={accounts}>
        {(list) => (
          <table>
            <thead>
              <tr>
                <th scope="col">system_id</th>
                <th scope="col">{t('Bind types')}</th>
                <th scope="col">{t('Status')}</th>
                <th scope="col">{t('Created')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('Actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((account) => (
                <tr key={account.id}>
                  <td>
                    <code>{account.systemId}</code>
                  </td>
                  <td>{account.bindTypes.join(', ')}</td>
                  <td>
                    <Badge value={account.enabled ? 'active' : 'disabled'} />
                  </td>
                  <td>
                    <When at={account.createdAt} />
                  </td>
                  <td>
                    <button type="button" className="danger" onClick={() => remove.run(account.id)}>
                      {t('Delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
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
