/** Contacts, one contact's consent history, and the opt-out list. */
import { useState } from 'react';
import { get, query } from '../api.ts';
import { useI18n } from '../i18n.tsx';
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
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">{t('No contact.')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('Name')}</th>
                  <th scope="col">{t('Phone')}</th>
                  <th scope="col">{t('Email')}</th>
                  <th scope="col">{t('Created')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((contact) => (
                  <tr key={contact.id}>
                    <td>
                      <Link to={`/contacts/${contact.id}`}>{[contact.firstName, contact.lastName].filter(Boolean).join(' ') || contact.id}</Link>
                    </td>
                    <td>{contact.phone ?? '—'}</td>
                    <td>{contact.email ?? '—'}</td>
                    <td>
                      <When at={contact.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      <h2>{t('Opt-out list')}</h2>
      <Loaded state={optOuts}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">{t('Nobody opted out.')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('Channel')}</th>
                  <th scope="col">{t('Address')}</th>
                  <th scope="col">{t('Since')}</th>
                  <th scope="col">{t('Source')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((optOut) => (
                  <tr key={`${optOut.channel}:${optOut.address}`}>
                    <td>{optOut.channel}</td>
                    <td>{optOut.address}</td>
                    <td>
                      <When at={optOut.at} />
                    </td>
                    <td>{optOut.source}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
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
          <h1>{[c.firstName, c.lastName].filter(Boolean).join(' ') || c.id}</h1>
          <dl className="facts">
            <dt>{t('Phone')}</dt>
            <dd>{c.phone ?? '—'}</dd>
            <dt>{t('Email')}</dt>
            <dd>{c.email ?? '—'}</dd>
            <dt>{t('Opted out')}</dt>
            <dd>{JSON.stringify(c.optedOut)}</dd>
          </dl>
          <h2>{t('Consent history')}</h2>
          <Loaded state={consent}>
            {(page) =>
              page.items.length === 0 ? (
                <p className="muted">{t('No consent recorded.')}</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('At')}</th>
                      <th scope="col">{t('Channel')}</th>
                      <th scope="col">{t('Status')}</th>
                      <th scope="col">{t('Source')}</th>
                      <th scope="col">{t('Proof')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((record, index) => (
                      <tr key={index}>
                        <td>
                          <When at={record.at} />
                        </td>
                        <td>{record.channel}</td>
                        <td>
                          <Badge value={record.status} />
                        </td>
                        <td>{record.source}</td>
                        <td>{record.proof ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </Loaded>
          <h2>{t('Attributes')}</h2>
          <Json value={c.attributes} />
        </>
      )}
    </Loaded>
  );
}
