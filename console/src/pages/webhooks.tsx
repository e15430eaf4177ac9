/** Outbound webhooks with their delivery logs and redelivery; the Zapier hooks Zapier subscribed. */
import { useState, type FormEvent } from 'react';
import { del, get, patch, post } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import type { Page } from '../types.ts';
import { Badge, ErrorBox, Loaded, Secret, useAction, useLoad, When } from '../ui.tsx';

interface Webhook {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  failedDeliveriesInARow: number;
  createdAt: string;
  secret?: string;
}

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: { attempt: number; startedAt: string; outcome: string; statusCode: number | null; error: string | null }[];
  lastError: string | null;
  createdAt: string;
}

interface ZapierHook {
  id: string;
  target_url: string;
  event_types: string[];
  created_at: string;
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const { t } = useI18n();
  const state = useLoad(() => get<Page<Delivery>>(`/v1/webhooks/${webhook.id}/deliveries?limit=50`), [webhook.id]);
  const redeliver = useAction(async (deliveryId: string) => {
    await post(`/v1/webhooks/${webhook.id}/deliveries/${deliveryId}/redeliver`);
    state.reload();
  });
  return (
    <Loaded state={state}>
      {(page) =>
        page.items.length === 0 ? (
          <p className="muted">{t('No delivery yet.')}</p>
        ) : (
          <>
            <ErrorBox error={redeliver.error} />
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('Created')}</th>
                  <th scope="col">{t('Event')}</th>
                  <th scope="col">{t('Status')}</th>
                  <th scope="col">{t('Last attempt')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('Actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((delivery) => {
                  const last = delivery.attempts.at(-1);
                  return (
                    <tr key={delivery.id}>
                      <td>
                        <When at={delivery.createdAt} />
                      </td>
                      <td>{delivery.eventType}</td>
                      <td>
                        <Badge value={delivery.status} />
                      </td>
                      <td>{last ? `${last.outcome} ${last.statusCode ?? ''} ${last.error ?? ''}` : '—'}</td>
                      <td>
                        {delivery.status === 'failed' ? (
                          <button type="button" className="secondary" onClick={() => redeliver.run(delivery.id)}>
                            {t('Redeliver')}
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        )
      }
    </Loaded>
  );
}

export function WebhooksPage() {
  const { t } = useI18n();
  const webhooks = useLoad(() => get<Page<Webhook>>('/v1/webhooks?limit=100'));
  const zapier = useLoad(() => get<ZapierHook[]>('/v1/zapier/hooks'));
  const [url, setUrl] = useState('');
  const [types, setTypes] = useState('*');
  const [created, setCreated] = useState<Webhook | undefined>();
  const [open, setOpen] = useState<string | undefined>();
  const create = useAction(async () => {
    setCreated(await post<Webhook>('/v1/webhooks', { url, eventTypes: types.split(',').map((type) => type.trim()).filter(Boolean) }));
    setUrl('');
    webhooks.reload();
  });
  const toggle = useAction(async (webhook: Webhook) => {
    await patch(`/v1/webhooks/${webhook.id}`, { enabled: !webhook.enabled });
    webhooks.reload();
  });
  const remove = useAction(async (webhook: Webhook) => {
    if (!confirm(t('Delete the webhook to {url}?', { url: webhook.url }))) return;
    await del(`/v1/webhooks/${webhook.id}`);
    webhooks.reload();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };
  return (
    <>
      <h1>{t('Webhooks')}</h1>
      <p className="muted">{t('Every event the hub stores can be POSTed, signed, to your URLs: docs/webhooks.md.')}</p>
      {created?.secret ? (
        <section className="panel success" aria-live="polite">
          <p className="warning-text">{t('Copy the signing secret now: the hub never shows it again.')}</p>
          <Secret label={t('Signing secret')} value={created.secret} />
        </section>
      ) : null}
      <form className="panel" onSubmit={submit}>
        <h2>{t('New webhook')}</h2>
        <div className="row">
          <label className="field">
            <span>URL</span>
            <input type="url" value={url} required onChange={(event) => setUrl(event.target.value)} placeholder="https://example.fr/hooks/hub" />
          </label>
          <label className="field">
            <span>{t('Event types (comma-separated, * for all)')}</span>
            <input value={types} required onChange={(event) => setTypes(event.target.value)} />
          </label>
        </div>
        <ErrorBox error={create.error} />
        <button type="submit" disabled={create.busy}>
          {t('Create')}
        </button>
      </form>
      <ErrorBox error={toggle.error ?? remove.error} />
      <Loaded state={webhooks}>
        {(page) => (
          <ul className="plain">
            {page.items.map((webhook) => (
              <li key={webhook.id} className="panel">
                <p>
                  <code>{webhook.url}</code> <Badge value={webhook.enabled ? 'active' : 'disabled'} /> <span className="muted">{webhook.eventTypes.join(', ')}</span>
                </p>
                {webhook.disabledReason ? <p className="error-text">{webhook.disabledReason}</p> : null}
                <div className="actions">
                  <button type="button" className="secondary" aria-expanded={open === webhook.id} onClick={() => setOpen(open === webhook.id ? undefined : webhook.id)}>
                    {t('Delivery log')}
                  </button>
                  <button type="button" className="secondary" onClick={() => toggle.run(webhook)}>
                    {webhook.enabled ? t('Disable') : t('Enable')}
                  </button>
                  <button type="button" className="danger" onClick={() => remove.run(webhook)}>
                    {t('Delete')}
                  </button>
                </div>
                {open === webhook.id ? <Deliveries webhook={webhook} /> : null}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      <h2>{t('Zapier hooks')}</h2>
      <Loaded state={zapier}>
        {(hooks) =>
          hooks.length === 0 ? (
            <p className="muted">{t('No Zap is subscribed.')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('Target')}</th>
                  <th scope="col">{t('Events')}</th>
                  <th scope="col">{t('Created')}</th>
                </tr>
              </thead>
              <tbody>
                {hooks.map((hook) => (
                  <tr key={hook.id}>
                    <td className="clip">{hook.target_url}</td>
                    <td>{hook.event_types.join(', ')}</td>
                    <td>
                      <When at={hook.created_at} />
                    </td>
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
