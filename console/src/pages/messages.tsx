/** Messages: the list, one message's history and receipts, and the send box with its live preview. */
import { useEffect, useState, type FormEvent } from 'react';
import { get, post, query } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { ResourceTable } from '../resource-table.tsx';
import { Link, navigate } from '../router.tsx';
import { can, useSession } from '../session.tsx';
import type { Message, Page, SmsPreview } from '../types.ts';
import { Badge, ErrorBox, Loaded, useAction, useLoad, When } from '../ui.tsx';

const STATUSES = ['accepted', 'scheduled', 'submitted', 'delivered', 'undelivered', 'expired', 'rejected', 'failed', 'blocked'];

export function MessagesPage() {
  const { t } = useI18n();
  const { user } = useSession();
  const [status, setStatus] = useState('');
  const [to, setTo] = useState('');
  const state = useLoad(() => get<Page<Message>>(`/v1/messages${query({ limit: 100, status, to })}`), [status, to]);
  return (
    <>
      <div className="page-head">
        <h1>{t('Messages')}</h1>
        {can.write(user.role) ? (
          <Link className="button" to="/messages/send">
            {t('Send an SMS')}
          </Link>
        ) : null}
      </div>
      <div className="filters">
        <label className="field">
          <span>{t('Status')}</span>
          <select value={status} onChange={(event) => setStatus(event.target.value)}>
            <option value="">{t('All')}</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {t(value)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('Recipient')}</span>
          <input value={to} onChange={(event) => setTo(event.target.value)} placeholder="+33612345678" />
        </label>
        <button type="button" className="secondary" onClick={state.reload}>
          {t('Refresh')}
        </button>
      </div>
      <Loaded state={state}>
        {(page) => (
          <ResourceTable
            rows={page.items}
            rowKey={(message) => message.id}
            testId="messages"
            empty={t('No message.')}
            columns={[
              {
                header: t('Created'),
                cell: (message) => (
                  <Link to={`/messages/${message.id}`}>
                    <When at={message.createdAt} />
                  </Link>
                ),
              },
              { header: t('Recipient'), cell: (message) => message.to },
              { header: t('Status'), cell: (message) => <Badge value={message.status} /> },
              { header: t('Text'), cell: (message) => message.text, className: 'clip' },
            ]}
          />
        )}
      </Loaded>
    </>
  );
}

export function MessagePage({ id }: { id: string }) {
  const { t } = useI18n();
  const state = useLoad(() => get<Message>(`/v1/messages/${id}`), [id]);
  // A message on its way changes status within seconds: follow it until it settles.
  useEffect(() => {
    if (!state.data || !['accepted', 'scheduled', 'submitted'].includes(state.data.status)) return;
    const timer = setTimeout(state.reload, 1500);
    return () => clearTimeout(timer);
  }, [state.data, state.reload]);
  return (
    <Loaded state={state}>
      {(message) => (
        <>
          <p>
            <Link to="/messages">← {t('Messages')}</Link>
          </p>
          <h1>
            {t('Message to {to}', { to: message.to })} <Badge value={message.status} />
          </h1>
          <dl className="facts">
            <dt>{t('Category')}</dt>
            <dd>{t(message.category)}</dd>
            <dt>{t('Encoding')}</dt>
            <dd>
              {message.encoding ?? '—'} · {t('{n} segments', { n: message.segments ?? 0 })}
            </dd>
            <dt>{t('Sender')}</dt>
            <dd>{message.from || t('the provider’s default')}</dd>
            {message.blockReason ? (
              <>
                <dt>{t('Blocked because')}</dt>
                <dd>{t(message.blockReason)}</dd>
              </>
            ) : null}
            {message.scheduledFor ? (
              <>
                <dt>{t('Leaves at')}</dt>
                <dd>
                  <When at={message.scheduledFor} /> ({message.scheduleReason ? t(message.scheduleReason) : ''})
                </dd>
              </>
            ) : null}
            {message.error ? (
              <>
                <dt>{t('Error')}</dt>
                <dd>{message.error}</dd>
              </>
            ) : null}
          </dl>
          <pre className="sms">{message.text}</pre>
          <h2>{t('History')}</h2>
          <ol className="timeline">
            {(message.history ?? []).map((entry, index) => (
              <li key={index}>
                <When at={entry.at} /> <Badge value={entry.status} /> {entry.reason ?? ''}
              </li>
            ))}
          </ol>
          <h2>{t('Receipts')}</h2>
          <ResourceTable
            rows={message.receipts ?? []}
            rowKey={(_receipt, index) => String(index)}
            testId="receipts"
            empty={t('No receipt yet.')}
            columns={[
              { header: t('At'), cell: (receipt) => <When at={receipt.at} /> },
              {
                header: t('Status'),
                cell: (receipt) => (
                  <>
                    {receipt.status} {receipt.errorCode ? <code>{receipt.errorCode}</code> : null}
                  </>
                ),
              },
              { header: t('Provider id'), cell: (receipt) => <code>{receipt.providerMessageId}</code> },
              { header: t('Raw'), cell: (receipt) => <code className="clip">{receipt.raw}</code> },
            ]}
          />
        </>
      )}
    </Loaded>
  );
}

/** The preview of what the text becomes: encoding, segments, the characters forcing UCS-2, the STOP mention, quiet hours. */
function Preview({ preview, onRewrite }: { preview: SmsPreview; onRewrite: (text: string) => void }) {
  const { t } = useI18n();
  const rewrite = preview.gsmRewrite;
  return (
    <section className="panel preview" aria-live="polite" data-testid="preview">
      <h2>{t('Preview')}</h2>
      <p>
        <strong data-testid="encoding">{preview.encoding}</strong> · {t('{n} segments', { n: preview.segments })} · {t('{n} characters', { n: preview.units })}
        {!preview.withinLimit ? <span className="error-text"> · {t('over the limit of {n} segments', { n: preview.maxSegments })}</span> : null}
      </p>
      {preview.nonGsmCharacters.length ? (
        <div className="warning" data-testid="ucs2">
          <p>
            {t('These characters force UCS-2 (70 characters per segment instead of 160):')}{' '}
            {preview.nonGsmCharacters.map((character) => (
              <code key={character} className="char">
                {character}
              </code>
            ))}
          </p>
          {rewrite.outcome === 'rewritten' ? (
            <button type="button" onClick={() => onRewrite(rewrite.text)}>
              {t('Rewrite in GSM ({n} segments)', { n: rewrite.segments })}
            </button>
          ) : (
            <p className="muted">{rewrite.outcome === 'more-segments' ? t('Rewriting would not save a segment.') : t('No GSM look-alike for these characters.')}</p>
          )}
          {rewrite.replacements.length ? (
            <p className="muted">
              {rewrite.replacements.map((replacement) => `${replacement.from} → ${replacement.to}`).join(' · ')}
            </p>
          ) : null}
        </div>
      ) : null}
      {preview.optOutMentionAppended ? <p>{t('The STOP mention is added at the end (marketing SMS).')}</p> : null}
      {preview.compliance ? (
        <p data-testid="compliance">
          {preview.compliance.decision === 'send'
            ? t('Sent now.')
            : preview.compliance.decision === 'defer'
              ? t('Held by quiet hours until {until}.', { until: preview.compliance.until ? new Date(preview.compliance.until).toLocaleString() : '?' })
              : t('Blocked: {reason}', { reason: preview.compliance.reason ? t(preview.compliance.reason) : '' })}
        </p>
      ) : null}
      {preview.warnings.map((warning, index) => (
        <p key={index} className="warning-text">
          {warning}
        </p>
      ))}
      {preview.parts.map((part, index) => (
        <pre key={index} className="sms">
          {part}
        </pre>
      ))}
    </section>
  );
}

export function SendPage() {
  const { t } = useI18n();
  const [to, setTo] = useState('');
  const [text, setText] = useState('');
  const [category, setCategory] = useState<'marketing' | 'transactional'>('marketing');
  const [preview, setPreview] = useState<SmsPreview | undefined>();
  const [previewError, setPreviewError] = useState<unknown>();
  useEffect(() => {
    if (!text) {
      setPreview(undefined);
      return;
    }
    const timer = setTimeout(() => {
      post<SmsPreview>('/v1/messages/preview', { text, category, ...(to ? { to } : {}) }).then(
        (answer) => {
          setPreview(answer);
          setPreviewError(undefined);
        },
        (error: unknown) => setPreviewError(error),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [text, to, category]);
  const send = useAction(async () => {
    const message = await post<Message>('/v1/messages/sms', { to, text, category });
    navigate(`/messages/${message.id}`);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send.run();
  };
  return (
    <>
      <p>
        <Link to="/messages">← {t('Messages')}</Link>
      </p>
      <h1>{t('Send an SMS')}</h1>
      <div className="two-columns">
        <form onSubmit={submit}>
          <label className="field">
            <span>{t('Recipient')}</span>
            <input value={to} required onChange={(event) => setTo(event.target.value)} placeholder="+33612345678" autoComplete="off" />
          </label>
          <label className="field">
            <span>{t('Category')}</span>
            <select value={category} onChange={(event) => setCategory(event.target.value as 'marketing' | 'transactional')}>
              <option value="marketing">{t('marketing')}</option>
              <option value="transactional">{t('transactional')}</option>
            </select>
          </label>
          <label className="field">
            <span>{t('Text')}</span>
            <textarea rows={6} value={text} required onChange={(event) => setText(event.target.value)} data-testid="sms-text" />
          </label>
          <ErrorBox error={send.error ?? previewError} />
          <button type="submit" disabled={send.busy || !to || !text}>
            {t('Send')}
          </button>
        </form>
        {preview ? <Preview preview={preview} onRewrite={setText} /> : <p className="muted">{t('Type a text to see how it will be sent.')}</p>}
      </div>
    </>
  );
}
