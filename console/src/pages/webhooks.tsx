/** Outbound webhooks with their delivery logs and redelivery; the Zapier hooks Zapier subscribed. */
import { useState, type FormEvent } from 'react';
import { del, get, patch, post } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import type { Page } from '../types.ts';
import { ResourceTable } from '../resource-table.tsx';
import { Link } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import { Attempts, Badge, type Attempt, ErrorBox, Loaded, ShownOnce, useAction, useLoad, When } from '../ui.tsx';

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
  attempts: Attempt[];
  lastError: string | null;
  createdAt: string;
}

interface ZapierHook {
  id: string;
  target_url: string;
  event_types: string[];
  created_at: string;
}

/**
 * A subscription's delivery log (a webhook's or a Zapier hook's), newest first, with every attempt;
 * a failed delivery is tried again through its event's redeliver endpoint, whatever the subscriber.
 */
function DeliveryLog({ path, testId }: { path: string; testId: string }) {
  const { t } = useI18n();
  const { user } = useSession();
  const state = useLoad(() => get<Page<Delivery>>(`${path}?limit=50`), [path]);
  const redeliver = useAction(async (delivery: Delivery) => {
    await post(`/v1/events/${delivery.eventId}/deliveries/${delivery.id}/redeliver`);
    state.reload();
  });
  return (
    <div data-testid={testId}>
      <div className="actions">
        <h3>{t('Delivery log')}</h3>
        <button type="button" className="secondary" onClick={state.reload}>
          {t('Refresh')}
        </button>
      </div>
      <ErrorBox error={redeliver.error} />
      <Loaded state={state}>
        {(page) => (
          <ResourceTable
            rows={page.items}
            rowKey={(delivery) => delivery.id}
            empty={t('No delivery yet.')}
            columns={[
              { header: t('Created'), cell: (delivery) => <When at={delivery.createdAt} /> },
              { header: t('Event'), cell: (delivery) => <Link to={`/events/${delivery.eventId}`}>{delivery.eventType}</Link> },
              { header: t('Status'), cell: (delivery) => <Badge value={delivery.status} /> },
              { header: t('Attempts'), cell: (delivery) => <Attempts attempts={delivery.attempts} /> },
              {
                cell: (delivery) =>
                  delivery.status === 'failed' && can.administer(user.role) ? (
                    <button type="button" className="secondary" onClick={() => redeliver.run(delivery)}>
                      {t('Redeliver')}
                    </button>
                  ) : null,
              },
            ]}
          />
        )}
      </Loaded>
    </div>
  );
}

/** The button that opens a subscription's delivery log. */
function LogToggle({ id, open, setOpen }: { id: string; open: string | undefined; setOpen: (id: string | undefined) => void }) {
  const { t } = useI18n();
  return (
    <button type="button" className="secondary" aria-expanded={open === id} onClick={() => setOpen(open === id ? undefined : id)}>
      {t('Delivery log')}
    </button>
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
      {created?.secret ? <ShownOnce warning={t('Copy the signing secret now: the hub never shows it again.')} values={[{ label: t('Signing secret'), value: created.secret }]} testId="webhook-secret" /> : null}
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
                  <LogToggle id={webhook.id} open={open} setOpen={setOpen} />
                  <button type="button" className="secondary" onClick={() => toggle.run(webhook)}>
                    {webhook.enabled ? t('Disable') : t('Enable')}
                  </button>
                  <button type="button" className="danger" onClick={() => remove.run(webhook)}>
                    {t('Delete')}
                  </button>
                </div>
                {open === webhook.id ? <DeliveryLog path={`/v1/webhooks/${webhook.id}/deliveries`} testId={`deliveries-${webhook.id}`} /> : null}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      <h2>{t('Zapier hooks')}</h2>
      <Loaded state={zapier}>
        {(hooks) => (
          <>
            <ResourceTable
              rows={hooks}
              rowKey={(hook) => hook.id}
              testId="zapier-hooks"
              empty={t('No Zap is subscribed.')}
              columns={[
                { header: t('Target'), cell: (hook) => hook.target_url, className: 'clip' },
                { header: t('Events'), cell: (hook) => hook.event_types.join(', ') },
                { header: t('Created'), cell: (hook) => <When at={hook.created_at} /> },
                { cell: (hook) => <LogToggle id={hook.id} open={open} setOpen={setOpen} /> },
              ]}
            />
            {open && hooks.some((hook) => hook.id === open) ? <DeliveryLog path={`/v1/zapier/hooks/${open}/deliveries`} testId={`deliveries-${open}`} /> : null}
          </>
        )}
      </Loaded>
    </>
  );
}
