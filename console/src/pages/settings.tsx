/** Sending settings (a form generated from the API's own schema) and the provider of each channel. */
import { useEffect, useState } from 'react';
import { get, put } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { requestSchema } from '../openapi.ts';
import { Link } from '../router.tsx';
import { SchemaForm } from '../schema-form.tsx';
import { ErrorBox, Loaded, useAction, useLoad } from '../ui.tsx';

interface ProviderKind {
  kind: string;
  title: string;
  channels: string[];
  hasSecrets: boolean;
}

interface Provider {
  channel: string;
  kind: string;
  settings: Record<string, unknown>;
  hasSecrets: boolean;
  rateLimit: unknown;
}

export function SettingsPage() {
  const { t } = useI18n();
  const settings = useLoad(() => get<Record<string, unknown>>('/v1/sending/settings'));
  const schema = useLoad(() => requestSchema('/v1/sending/settings', 'put'));
  const [value, setValue] = useState<Record<string, unknown> | undefined>();
  const [saved, setSaved] = useState(false);
  useEffect(() => setValue(settings.data), [settings.data]);
  const save = useAction(async (data: Record<string, unknown>) => {
    setValue(await put<Record<string, unknown>>('/v1/sending/settings', data));
    setSaved(true);
  });
  return (
    <>
      <h1>{t('Sending settings')}</h1>
      <p className="muted">{t('Sender names, quiet hours, the STOP mention and the opt-out keywords of every SMS the hub sends.')}</p>
      <section className="panel">
        <Loaded state={schema}>
          {(formSchema) =>
            value ? (
              <SchemaForm schema={formSchema} value={value} onChange={(next) => (setValue(next), setSaved(false))} onSubmit={(data) => save.run(data)} disabled={save.busy} idPrefix="settings" />
            ) : null
          }
        </Loaded>
        <ErrorBox error={save.error ?? settings.error} />
        <p role="status">{saved ? t('Saved.') : ''}</p>
      </section>
      <Providers />
    </>
  );
}

function ProviderForm({ channel, kinds }: { channel: 'sms' | 'email'; kinds: ProviderKind[] }) {
  const { t } = useI18n();
  const state = useLoad(() => get<Provider>(`/v1/sending/providers/${channel}`), [channel]);
  const [kind, setKind] = useState('');
  const [settings, setSettings] = useState('');
  const [secrets, setSecrets] = useState('');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!state.data) return;
    setKind(state.data.kind);
    setSettings(JSON.stringify(state.data.settings, null, 2));
  }, [state.data]);
  const save = useAction(async () => {
    await put(`/v1/sending/providers/${channel}`, { kind, settings: JSON.parse(settings || '{}'), ...(secrets.trim() ? { secrets: JSON.parse(secrets) } : {}) });
    setSecrets('');
    setSaved(true);
    state.reload();
  });
  return (
    <div className="panel">
      <h3>{channel === 'sms' ? 'SMS' : 'Email'}</h3>
      <Loaded state={state}>
        {(provider) => (
          <>
            <label className="field">
              <span>{t('Provider')}</span>
              <select value={kind} onChange={(event) => setKind(event.target.value)}>
                {kinds
                  .filter((candidate) => candidate.channels.includes(channel))
                  .map((candidate) => (
                    <option key={candidate.kind} value={candidate.kind}>
                      {candidate.title}
                    </option>
                  ))}
              </select>
            </label>
            <label className="field">
              <span>{t('Settings (JSON)')}</span>
              <textarea className="code" rows={6} value={settings} onChange={(event) => setSettings(event.target.value)} />
            </label>
            <label className="field">
              <span>{t('Credentials (JSON, never shown back)')}</span>
              <textarea className="code" rows={3} value={secrets} placeholder={provider.hasSecrets ? t('Stored; leave empty to keep them.') : '{}'} onChange={(event) => setSecrets(event.target.value)} />
            </label>
            <div className="actions">
              <button type="button" onClick={() => save.run()} disabled={save.busy}>
                {t('Save')}
              </button>
              {channel === 'sms' ? (
                <Link className="button secondary" to="/messages/send">
                  {t('Send a test SMS')}
                </Link>
              ) : null}
              <span role="status">{saved ? t('Saved.') : ''}</span>
            </div>
            <ErrorBox error={save.error} />
          </>
        )}
      </Loaded>
    </div>
  );
}

function Providers() {
  const { t } = useI18n();
  const kinds = useLoad(() => get<{ items: ProviderKind[] }>('/v1/sending/provider-kinds'));
  return (
    <section>
      <h2>{t('Providers')}</h2>
      <p className="muted">{t('docs/sending.md and docs/smpp-upstream.md list each provider’s settings.')}</p>
      <Loaded state={kinds}>
        {(list) => (
          <div className="two-columns">
            <ProviderForm channel="sms" kinds={list.items} />
            <ProviderForm channel="email" kinds={list.items} />
          </div>
        )}
      </Loaded>
    </section>
  );
}
