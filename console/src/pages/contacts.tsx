/** Contacts, one contact's consent history, and the opt-out list. */
import { useState } from 'react';
import { get, query } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { ResourceTable } from '../resource-table.tsx';
import { Link } from '../router.tsx';
import type { Contact, Page } from '../types.ts';
import { Badge, Json, Loaded, useLoad, When } from '../ui.tsx';

interface OptOut {
  channel: string;
  address: string;
  at: string;
  source: string;
  reason: string | null;
  liftedAt: string | null;
}

interface ConsentRecord {
  status: string;
  at: string;
  source: string;
  proof: string | null;
  channel: string;
}

const contactName = (contact: Contact) => [contact.firstName, contact.lastName].filter(Boolean).join(' ') || contact.phone || contact.email || contact.id;

/** The channels a contact opted out of (`optedOut: { sms: true, email: false }`). */
const optedOutChannels = (contact: Contact) => Object.entries((contact.optedOut ?? {}) as Record<string, boolean>).flatMap(([channel, out]) => (out ? [channel] : []));

export function ContactsPage() {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const contacts = useLoad(() => get<Page<Contact>>(`/v1/contacts${query({ q, limit: 100 })}`), [q]);
  const optOuts = useLoad(() => get<Page<OptOut>>('/v1/opt-outs?limit=100'));
  return (
    <>
      <h1>{t('Contacts')}</h1>
      <div className="filters">
        <label className="field">
          <span>{t('Search')}</span>
          <input value={q} onChange={(event) => setQ(event.target.value)} placeholder={t('name, phone or email')} />
        </label>
      </div>
      <Loaded state={contacts}>
        {(page) => (
          <ResourceTable
            rows={page.items}
            rowKey={(contact) => contact.id}
            testId="contacts"
            empty={t('No contact.')}
            columns={[
              { header: t('Name'), cell: (contact) => <Link to={`/contacts/${contact.id}`}>{contactName(contact)}</Link> },
              { header: t('Phone'), cell: (contact) => contact.phone ?? '—' },
              { header: t('Email'), cell: (contact) => contact.email ?? '—' },
              { header: t('Created'), cell: (contact) => <When at={contact.createdAt} /> },
            ]}
          />
        )}
      </Loaded>
      <h2>{t('Opt-out list')}</h2>
      <Loaded state={optOuts}>
        {(page) => (
          <ResourceTable
            rows={page.items}
            rowKey={(optOut) => `${optOut.channel}:${optOut.address}`}
            testId="opt-outs"
            empty={t('Nobody opted out.')}
            columns={[
              { header: t('Channel'), cell: (optOut) => optOut.channel },
              { header: t('Address'), cell: (optOut) => optOut.address },
              { header: t('Since'), cell: (optOut) => <When at={optOut.at} /> },
              { header: t('Source'), cell: (optOut) => optOut.source },
            ]}
          />
        )}
      </Loaded>
    </>
  );
}

export function ContactPage({ id }: { id: string }) {
  const { t } = useI18n();
  const contact = useLoad(() => get<Contact>(`/v1/contacts/${id}`), [id]);
  const consent = useLoad(() => get<{ items: ConsentRecord[] }>(`/v1/contacts/${id}/consent`), [id]);
  return (
    <Loaded state={contact}>
      {(c) => (
        <>
          <p>
            <Link to="/contacts">← {t('Contacts')}</Link>
          </p>
          <h1>{contactName(c)}</h1>
          <dl className="facts">
            <dt>{t('Phone')}</dt>
            <dd>{c.phone ?? '—'}</dd>
            <dt>{t('Email')}</dt>
            <dd>{c.email ?? '—'}</dd>
            <dt>{t('Opted out')}</dt>
            <dd data-testid="opted-out">{optedOutChannels(c).join(', ') || t('no')}</dd>
          </dl>
          <h2>{t('Consent history')}</h2>
          <Loaded state={consent}>
            {(page) => (
              <ResourceTable
                rows={page.items}
                rowKey={(_record, index) => String(index)}
                testId="consent"
                empty={t('No consent recorded.')}
                columns={[
                  { header: t('At'), cell: (record) => <When at={record.at} /> },
                  { header: t('Channel'), cell: (record) => record.channel },
                  { header: t('Status'), cell: (record) => <Badge value={record.status} /> },
                  { header: t('Source'), cell: (record) => record.source },
                  { header: t('Proof'), cell: (record) => record.proof ?? '—' },
                ]}
              />
            )}
          </Loaded>
          <h2>{t('Attributes')}</h2>
          <Json value={c.attributes} />
        </>
      )}
    </Loaded>
  );
}
