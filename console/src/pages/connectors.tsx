/** The connector catalog, install forms generated from each manifest, installations and their health. */
import { useState } from 'react';
import { del, get, post } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { Link, navigate } from '../router.tsx';
import { formSchema, SchemaForm, secretUiSchema } from '../schema-form.tsx';
import { can, useSession } from '../session.tsx';
import type { Connector, Installation, InstallResult, Page } from '../types.ts';
import { Badge, ErrorBox, Loaded, Secret, useAction, useLoad, When } from '../ui.tsx';

export function ConnectorsPage() {
  const { t } = useI18n();
  const state = useLoad(() => get<Page<Connector>>('/v1/connectors'));
  return (
    <>
      <h1>{t('Connectors')}</h1>
      <p className="muted">{t('Connect the systems your customers live in: their events reach the hub, scenarios and webhooks act on them.')}</p>
      <Loaded state={state}>
        {(page) => (
          <ul className="cards">
            {page.items.map((connector) => (
              <li key={connector.id} className="card">
                <h2>
                  <Link to={`/connectors/${connector.id}`}>{connector.name}</Link>
                </h2>
                <p>{connector.description}</p>
                <p className="muted">{t('{n} event types', { n: connector.emits.length })} · {t('{n} actions', { n: connector.actions.length })}</p>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </>
  );
}

/** What to do with a secret shown once: where it goes, in the words of the system's admin screens. */
function NextStep({ connector, installationId }: { connector: string; installationId: string }) {
  const { t } = useI18n();
  const hubUrl = location.origin;
  const where =
    connector === 'woocommerce'
      ? t('In WordPress, open WooCommerce → Connector Hub (the plugin’s settings), paste the hub URL, the installation id and the secret, save, then click “Test the connection”.')
      : connector === 'prestashop'
        ? t('In PrestaShop, open Modules → Module Manager → Connector Hub → Configure, paste the hub URL, the installation id and the secret, save, then click “Test the connection”.')
        : t('Paste this secret in the system’s settings for the hub.');
  return (
    <div className="next-step" data-testid="next-step">
      <h3>{t('Next step')}</h3>
      <p>{where}</p>
      <Secret label={t('Hub URL')} value={hubUrl} />
      <Secret label={t('Installation id')} value={installationId} />
    </div>
  );
}

function InstallResultView({ result }: { result: InstallResult }) {
  const { t } = useI18n();
  const secrets = Object.entries(result.shownOnce);
  return (
    <section className="panel success" aria-live="polite" data-testid="install-result">
      <h2>{t('Installed: {account}', { account: result.installation.account })}</h2>
      {secrets.length ? <p className="warning-text">{t('Copy the secret now: the hub never shows it again.')}</p> : <p>{t('The existing secret was kept.')}</p>}
      {secrets.map(([name, value]) => (
        <Secret key={name} label={t(name)} value={value} />
      ))}
      <NextStep connector={result.installation.connector} installationId={result.installation.id} />
      {result.warnings.map((warning, index) => (
        <p key={index} className="warning-text">
          {warning}
        </p>
      ))}
      {result.changes.length ? (
        <details>
          <summary>{t('What the hub set up')}</summary>
          <ul>
            {result.changes.map((change, index) => (
              <li key={index}>{change}</li>
            ))}
          </ul>
        </details>
      ) : null}
      <p>
        <Link to={`/connectors/${result.installation.connector}/installations/${result.installation.id}`}>{t('See the installation’s health')}</Link>
      </p>
    </section>
  );
}

/** OAuth connectors: the install answers an authorization URL; the browser goes there and the provider sends it back to the hub. */
function authorizationUrl(answer: unknown): string | undefined {
  if (!answer || typeof answer !== 'object') return undefined;
  for (const [name, value] of Object.entries(answer)) if (/url$/i.test(name) && typeof value === 'string' && /^https?:\/\//.test(value)) return value;
  return undefined;
}

function InstallForm({ connector, onInstalled }: { connector: Connector; onInstalled: (result: InstallResult) => void }) {
  const { t } = useI18n();
  const schema = formSchema(connector.installInput);
  const [value, setValue] = useState<Record<string, unknown>>({});
  const oauth = connector.auth === 'oauth2';
  const action = useAction(async (data: Record<string, unknown>) => {
    const answer = await post<InstallResult>(`/v1/connectors/${connector.id}/installations`, data);
    const redirect = oauth ? authorizationUrl(answer) : undefined;
    if (redirect) {
      location.assign(redirect);
      return;
    }
    onInstalled(answer);
  });
  const hasFields = Object.keys((schema.properties ?? {}) as object).length > 0;
  return (
    <section className="panel">
      <h2>{oauth ? t('Connect') : t('Install')}</h2>
      {oauth && !hasFields ? (
        <button type="button" onClick={() => action.run({})} disabled={action.busy}>
          {t('Connect with {name}', { name: connector.name })}
        </button>
      ) : (
        <SchemaForm
          schema={schema}
          uiSchema={secretUiSchema(schema)}
          value={value}
          onChange={setValue}
          onSubmit={(data) => action.run(data)}
          submitLabel={oauth ? t('Connect with {name}', { name: connector.name }) : t('Install')}
          disabled={action.busy}
          idPrefix={`install-${connector.id}`}
        />
      )}
      <ErrorBox error={action.error} />
    </section>
  );
}

export function ConnectorPage({ id }: { id: string }) {
  const { t } = useI18n();
  const { user } = useSession();
  const connector = useLoad(() => get<Connector>(`/v1/connectors/${id}`), [id]);
  const installations = useLoad(() => get<Page<Installation>>(`/v1/connectors/${id}/installations`), [id]);
  const [result, setResult] = useState<InstallResult | undefined>();
  return (
    <Loaded state={connector}>
      {(c) => (
        <>
          <p>
            <Link to="/connectors">← {t('Connectors')}</Link>
          </p>
          <h1>{c.name}</h1>
          <p>{c.description}</p>
          <p className="muted">
            {t('Guide')}: <code>{c.docs}</code>
          </p>
          <section className="panel">
            <h2>{t('Installations')}</h2>
            <Loaded state={installations}>
              {(page) =>
                page.items.length === 0 ? (
                  <p className="muted">{t('Not installed yet.')}</p>
                ) : (
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">{t('Account')}</th>
                        <th scope="col">{t('Status')}</th>
                        <th scope="col">{t('Installed')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {page.items.map((installation) => (
                        <tr key={installation.id}>
                          <td>
                            <Link to={`/connectors/${id}/installations/${installation.id}`}>{installation.account}</Link>
                          </td>
                          <td>
                            <Badge value={installation.status} />
                          </td>
                          <td>
                            <When at={installation.installedAt} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )
              }
            </Loaded>
          </section>
          {result ? <InstallResultView result={result} /> : null}
          {can.administer(user.role) ? (
            <InstallForm
              connector={c}
              onInstalled={(answer) => {
                setResult(answer);
                installations.reload();
              }}
            />
          ) : (
            <p className="muted">{t('Installing a connector needs the owner or admin role.')}</p>
          )}
          <section className="panel">
            <h2>{t('Events it sends')}</h2>
            <ul className="tags">
              {c.emits.map((type) => (
                <li key={type}>
                  <code>{type}</code>
                </li>
              ))}
            </ul>
            <h2>{t('Actions')}</h2>
            <ul>
              {c.actions.map((action) => (
                <li key={action.id}>
                  <strong>{action.title}</strong> — {action.description}
                </li>
              ))}
            </ul>
          </section>
        </>
      )}
    </Loaded>
  );
}

export function InstallationPage({ connector, id }: { connector: string; id: string }) {
  const { t } = useI18n();
  const { user } = useSession();
  const path = `/v1/connectors/${connector}/installations/${id}`;
  const state = useLoad(() => get<Installation>(path), [path]);
  const manifest = useLoad(() => get<Connector>(`/v1/connectors/${connector}`), [connector]);
  const [reconnect, setReconnect] = useState(false);
  const [result, setResult] = useState<InstallResult | undefined>();
  const reconcile = useAction(async () => {
    await post(`${path}/reconcile`);
    state.reload();
  });
  const uninstall = useAction(async () => {
    if (!confirm(t('Uninstall this installation? The hub removes what it created at the external system.'))) return;
    await del(path);
    navigate(`/connectors/${connector}`);
  });
  const admin = can.administer(user.role);
  return (
    <Loaded state={state}>
      {(installation) => (
        <>
          <p>
            <Link to={`/connectors/${connector}`}>← {manifest.data?.name ?? connector}</Link>
          </p>
          <h1>{installation.account}</h1>
          <dl className="facts">
            <dt>{t('Status')}</dt>
            <dd>
              <Badge value={installation.status} />
            </dd>
            <dt>{t('Installation id')}</dt>
            <dd>
              <code>{installation.id}</code>
            </dd>
            <dt>{t('Last reconciled')}</dt>
            <dd>
              <When at={installation.lastReconciledAt} />
            </dd>
          </dl>
          {installation.lastError ? (
            <div className="error" role="alert">
              <strong>{t('Last error')}</strong>
              <p>{installation.lastError}</p>
              <p>{t('Fix what the error names, then reconcile. The hub also retries at start-up and every hour.')}</p>
            </div>
          ) : null}
          <div className="actions">
            {admin ? (
              <>
                <button type="button" onClick={() => reconcile.run()} disabled={reconcile.busy}>
                  {t('Reconcile')}
                </button>
                <button type="button" className="secondary" onClick={() => setReconnect(!reconnect)}>
                  {t('Reconnect')}
                </button>
                <button type="button" className="danger" onClick={() => uninstall.run()} disabled={uninstall.busy || installation.status === 'uninstalled'}>
                  {t('Uninstall')}
                </button>
              </>
            ) : null}
          </div>
          <ErrorBox error={reconcile.error ?? uninstall.error} />
          {result ? <InstallResultView result={result} /> : null}
          {reconnect && manifest.data ? (
            <InstallForm
              connector={manifest.data}
              onInstalled={(answer) => {
                setResult(answer);
                setReconnect(false);
                state.reload();
              }}
            />
          ) : null}
          <section className="panel">
            <h2>{t('At the external system')}</h2>
            {installation.remote.length === 0 ? (
              <p className="muted">{t('Nothing yet.')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('Kind')}</th>
                    <th scope="col">{t('Name')}</th>
                    <th scope="col">{t('Id')}</th>
                    <th scope="col">{t('Status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {installation.remote.map((remote, index) => (
                    <tr key={index}>
                      <td>{remote.kind}</td>
                      <td>{remote.name}</td>
                      <td>
                        <code>{remote.externalId ?? '—'}</code>
                      </td>
                      <td>
                        <Badge value={remote.status} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section className="panel">
            <h2>{t('Last requests received')}</h2>
            {!installation.lastDeliveries?.length ? (
              <p className="muted">{t('Nothing received yet.')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('Received')}</th>
                    <th scope="col">{t('Kind')}</th>
                    <th scope="col">{t('Status')}</th>
                    <th scope="col">{t('Events')}</th>
                  </tr>
                </thead>
                <tbody>
                  {installation.lastDeliveries.map((delivery) => (
                    <tr key={delivery.id}>
                      <td>
                        <When at={delivery.receivedAt} />
                      </td>
                      <td>{delivery.kind}</td>
                      <td>
                        <Badge value={delivery.status} /> {delivery.note ? <small className="muted">{delivery.note}</small> : null}
                      </td>
                      <td>
                        {delivery.events.map((event) => (
                          <div key={event.id}>
                            <Link to={`/events/${event.id}`}>{event.type}</Link>
                            {event.duplicate ? <small className="muted"> ({t('duplicate')})</small> : null}
                          </div>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <details>
            <summary>{t('Settings (JSON)')}</summary>
            <pre className="json">{JSON.stringify(installation.settings, null, 2)}</pre>
          </details>
        </>
      )}
    </Loaded>
  );
}

