/** The live event stream (server-sent events, per tenant) with filters, and one event's deliveries with redelivery. */
import { useEffect, useRef, useState } from 'react';
import { get, post, query } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { ResourceTable } from '../resource-table.tsx';
import { Link } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import type { HubEvent, Page } from '../types.ts';
import { Attempts, Badge, ErrorBox, Json, Loaded, useAction, useLoad, When, type Attempt } from '../ui.tsx';

const KEEP = 200;

export function EventsPage() {
  const { t } = useI18n();
  const [type, setType] = useState('');
  const [source, setSource] = useState('');
  const [events, setEvents] = useState<HubEvent[]>([]);
  const [live, setLive] = useState<'connecting' | 'live' | 'polling'>('connecting');
  const [error, setError] = useState<unknown>();
  const seen = useRef(new Set<string>());
  useEffect(() => {
    let closed = false;
    seen.current = new Set();
    const filters = query({ type, source });
    const add = (incoming: HubEvent[]) => {
      const fresh = incoming.filter((event) => !seen.current.has(event.id));
      for (const event of fresh) seen.current.add(event.id);
      if (fresh.length) setEvents((previous) => [...fresh, ...previous].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt)).slice(0, KEEP));
    };
    setEvents([]);
    const load = () =>
      get<Page<HubEvent>>(`/v1/events${query({ type, source, limit: 50 })}`).then(
        (page) => !closed && (add(page.items), setError(undefined)),
        (caught: unknown) => !closed && setError(caught),
      );
    void load();
    // The stream pushes each event as it is stored; if the hub cannot stream (an old hub, a proxy that buffers), poll instead.
    let timer: ReturnType<typeof setInterval> | undefined;
    const stream = new EventSource(`/v1/events/stream${filters}`, { withCredentials: true });
    stream.onopen = () => setLive('live');
    stream.onmessage = (message) => {
      try {
        add([JSON.parse(message.data as string) as HubEvent]);
      } catch {
        // A comment or keep-alive line: nothing to show.
      }
    };
    stream.onerror = () => {
      if (stream.readyState === EventSource.CLOSED && !timer) {
        setLive('polling');
        timer = setInterval(load, 3000);
      }
    };
    return () => {
      closed = true;
      stream.close();
      if (timer) clearInterval(timer);
    };
  }, [type, source]);
  return (
    <>
      <div className="page-head">
        <h1>{t('Events')}</h1>
        <span className={`badge ${live === 'live' ? 'good' : 'neutral'}`} role="status" data-testid="stream-status">
          {live === 'live' ? t('Live') : live === 'polling' ? t('Refreshing every 3 s') : t('Connecting…')}
        </span>
      </div>
      <div className="filters">
        <label className="field">
          <span>{t('Type')}</span>
          <input value={type} onChange={(event) => setType(event.target.value.trim())} placeholder="order.created" />
        </label>
        <label className="field">
          <span>{t('Source')}</span>
          <input value={source} onChange={(event) => setSource(event.target.value.trim())} placeholder="woocommerce" />
        </label>
      </div>
      <ErrorBox error={error} />
      <ResourceTable
        rows={events}
        rowKey={(event) => event.id}
        testId="events"
        empty={t('No event yet: they appear here as they arrive.')}
        columns={[
          { header: t('Received'), cell: (event) => <When at={event.receivedAt} /> },
          { header: t('Type'), cell: (event) => <Link to={`/events/${event.id}`}>{event.type}</Link> },
          { header: t('Source'), cell: (event) => event.source },
          { header: t('Subject'), cell: (event) => String(event.subject.phone ?? event.subject.email ?? event.subject.externalId ?? ''), className: 'clip' },
        ]}
      />
    </>
  );
}

interface EventDetail extends HubEvent {
  deliveries: { id: string; subscriber: string; status: string; attempts: Attempt[]; lastError: string | null; nextAttemptAt: string | null }[];
}

export function EventPage({ id }: { id: string }) {
  const { t } = useI18n();
  const { user } = useSession();
  const state = useLoad(() => get<EventDetail>(`/v1/events/${id}`), [id]);
  // Any failed delivery (a webhook, a Zapier hook, a scenario) is delivered again through the same endpoint.
  const redeliver = useAction(async (deliveryId: string) => {
    await post(`/v1/events/${id}/deliveries/${deliveryId}/redeliver`);
    state.reload();
  });
  return (
    <Loaded state={state}>
      {(event) => (
        <>
          <p>
            <Link to="/events">← {t('Events')}</Link>
          </p>
          <h1>{event.type}</h1>
          <dl className="facts">
            <dt>{t('Source')}</dt>
            <dd>{event.source}</dd>
            <dt>{t('Occurred')}</dt>
            <dd>
              <When at={event.occurredAt} />
            </dd>
            <dt>{t('Received')}</dt>
            <dd>
              <When at={event.receivedAt} />
            </dd>
            <dt>{t('Deduplication key')}</dt>
            <dd>
              <code>{event.dedupeKey}</code>
            </dd>
          </dl>
          <h2>{t('Subject')}</h2>
          <Json value={event.subject} />
          <h2>{t('Data')}</h2>
          <Json value={event.data} />
          <h2>{t('Deliveries')}</h2>
          <ErrorBox error={redeliver.error} />
          {event.deliveries.length === 0 ? (
            <p className="muted">{t('No subscriber wanted this event.')}</p>
          ) : (
            <ul className="plain">
              {event.deliveries.map((delivery) => (
                <li key={delivery.id} className="panel">
                  <p>
                    <code>{delivery.subscriber}</code> <Badge value={delivery.status} />{' '}
                    {delivery.status === 'failed' && can.administer(user.role) ? (
                      <button type="button" className="secondary" onClick={() => redeliver.run(delivery.id)}>
                        {t('Redeliver')}
                      </button>
                    ) : null}
                  </p>
                  {delivery.lastError ? <p className="error-text">{delivery.lastError}</p> : null}
                  <Attempts attempts={delivery.attempts} />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Loaded>
  );
}
