/** The connector catalog, install forms generated from each manifest, installations and their health. */
import { useState } from 'react';
import { del, get, post } from '../api.ts';
import { useI18n, type Translate } from '../i18n.tsx';
import { Link, navigate } from '../router.tsx';
import { formSchema, SchemaForm, secretUiSchema } from '../schema-form.tsx';
import { can, useSession } from '../session.tsx';
import type { Connector, Installation, InstallResult, Page } from '../types.ts';
import { ResourceTable } from '../resource-table.tsx';
import { Badge, ErrorBox, Loaded, Secret, ShownOnce, useAction, useLoad, When } from '../ui.tsx';

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

/** Where the shop's plugin goes, in the words of the shop's admin screens. */
function pluginSteps(connector: string, file: string, t: Translate): string {
  if (connector === 'woocommerce') return t('In WordPress, open Plugins → Add New Plugin → Upload Plugin, choose {file}, click “Install Now”, then “Activate”.', { file });
  if (connector === 'prestashop') return t('In PrestaShop, open Modules → Module Manager → Upload a module, drop {file}, then click “Configure”.', { file });
  return t('Upload {file} in the system’s admin.', { file });
}

/** The shop's plugin as a zip ready to upload in its admin, with where to upload it. */
function PluginDownload({ connector }: { connector: Connector }) {
  const { t } = useI18n();
  if (!connector.plugin) return null;
  return (
    <div className="plugin-download" data-testid="plugin-download">
      <p>
        <a className="button secondary" href={connector.plugin.url} download={connector.plugin.fileName}>
          {t('Download the plugin')} ({connector.plugin.fileName})
        </a>
      </p>
      <p data-testid="plugin-steps">{pluginSteps(connector.id, connector.plugin.fileName, t)}</p>
    </div>
  );
}

/** What to do with a secret shown once: where it goes, in the words of the system's admin screens. */
function NextStep({ connector, installationId }: { connector: Connector; installationId: string }) {
  const { t } = useI18n();
  const hubUrl = location.origin;
  const where =
    connector.id === 'woocommerce'
      ? t('In WordPress, open WooCommerce → Connector Hub (the plugin’s settings), paste the hub URL, the installation id and the secret, save, then click “Test the connection”.')
      : connector.id === 'prestashop'
        ? t('In PrestaShop, open Modules → Module Manager → Connector Hub → Configure, paste the hub URL, the installation id and the secret, save, then click “Test the connection”.')
        : t('Paste this secret in the system’s settings for the hub.');
  return (
    <div className="next-step" data-testid="next-step">
      <h3>{t('Next step')}</h3>
      {connector.plugin ? <p>{t('The plugin not installed yet? Install it first:')}</p> : null}
      <PluginDownload connector={connector} />
      <p>{where}</p>
      <Secret label={t('Hub URL')} value={hubUrl} />
      <Secret label={t('Installation id')} value={installationId} />
    </div>
  );
}

function InstallResultView({ connector, result }: { connector: Connector; result: InstallResult }) {
  const { t } = useI18n();
  const secrets = Object.entries(result.shownOnce);
  return (
    <ShownOnce
      title={t('Installed: {account}', { account: result.installation.account })}
      warning={secrets.length ? t('Copy the secret now: the hub never shows it again.') : t('The existing secret was kept.')}
      values={secrets.map(([name, value]) => ({ label: t(name), value }))}
      testId="install-result"
    >
      <NextStep connector={connector} installationId={result.installation.id} />
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
    </ShownOnce>
  );
}

/** OAuth connectors: the install answers an authorization URL; the browser goes there and the provider sends it back to the hub. */
function authorizationUrl(answer: unknown): string | undefined {
  if (!answer || typeof answer !== 'object') return undefined;
  for (const [name, value] of Object.entries(answer)) if (/url$/i.test(name) && typeof value === 'string' && /^https?:\/\//.test(value)) return value;
  return undefined;
}

/**
 * The install form generated from the connector's JSON Schema. OAuth connectors show "Connect with …"
 * and go to the provider; reconnecting an OAuth installation starts the same flow for it (…/reconnect).
 */
function InstallForm({ connector, reconnecting, onInstalled }: { connector: Connector; reconnecting?: Installation; onInstalled: (result: InstallResult) => void }) {
  const { t } = useI18n();
  const schema = formSchema(connector.installInput);
  const [value, setValue] = useState<Record<string, unknown>>({});
  const oauth = connector.auth === 'oauth2';
  const action = useAction(async (data: Record<string, unknown>) => {
    const path = oauth && reconnecting ? `/v1/connectors/${connector.id}/installations/${reconnecting.id}/reconnect` : `/v1/connectors/${connector.id}/installations`;
    const answer = await post<InstallResult>(path, data);
    const redirect = oauth ? authorizationUrl(answer) : undefined;
    if (redirect) {
      location.assign(redirect);
      return;
    }
    onInstalled(answer);
  });
  const hasFields = Object.keys((schema.properties ?? {}) as object).length > 0;
  const connect = reconnecting ? t('Reconnect with {name}', { name: connector.name }) : t('Connect with {name}', { name: connector.name });
  return (
    <section className="panel">
      <h2>{reconnecting ? t('Reconnect') : oauth ? t('Connect') : t('Install')}</h2>
      {oauth ? <p className="muted">{t('The button takes you to {name} to allow the hub, then back here.', { name: connector.name })}</p> : null}
      {oauth && !hasFields ? (
        <button type="button" onClick={() => action.run({})} disabled={action.busy}>
          {connect}
        </button>
      ) : (
        <SchemaForm
          schema={schema}
          uiSchema={secretUiSchema(schema)}
          value={value}
          onChange={setValue}
          onSubmit={(data) => action.run(data)}
          submitLabel={oauth ? connect : reconnecting ? t('Reconnect') : t('Install')}
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
              {(page) => (
                <ResourceTable
                  rows={page.items}
                  rowKey={(installation) => installation.id}
                  empty={t('Not installed yet.')}
                  columns={[
                    { header: t('Account'), cell: (installation) => <Link to={`/connectors/${id}/installations/${installation.id}`}>{installation.account}</Link> },
                    { header: t('Status'), cell: (installation) => <Badge value={installation.status} /> },
                    { header: t('Installed'), cell: (installation) => <When at={installation.installedAt} /> },
                  ]}
                />
              )}
            </Loaded>
          </section>
          {c.plugin ? (
            <section className="panel">
              <h2>{t('The shop’s plugin')}</h2>
              <PluginDownload connector={c} />
            </section>
          ) : null}
          {result ? <InstallResultView connector={c} result={result} /> : null}
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
          {installation.status === 'reauthorize' ? (
            <div className="error" role="alert" data-testid="reauthorize">
              <strong>{t('The hub lost its access to this account')}</strong>
              <p>{t('Its authorization was revoked or expired. Nothing is lost: reconnect with the same account and the installation, its memory and its scenarios carry on.')}</p>
            </div>
          ) : installation.lastError ? (
            <div className="error" role="alert">
              <strong>{t('Last error')}</strong>
              <p>{installation.lastError}</p>
              <p>{t('Fix what the error names, then reconcile. The hub also retries at start-up and every hour.')}</p>
            </div>
          ) : null}
          <div className="actions">
            {admin ? (
              <>
                <button type="button" onClick={() => reconcile.run()} disabled={reconcile.busy || installation.status === 'reauthorize'}>
                  {t('Reconcile')}
                </button>
                <button type="button" className={installation.status === 'reauthorize' ? '' : 'secondary'} aria-expanded={reconnect} onClick={() => setReconnect(!reconnect)}>
                  {t('Reconnect')}
                </button>
                <button type="button" className="danger" onClick={() => uninstall.run()} disabled={uninstall.busy || installation.status === 'uninstalled'}>
                  {t('Uninstall')}
                </button>
              </>
            ) : null}
          </div>
          <ErrorBox error={reconcile.error ?? uninstall.error} />
          {result && manifest.data ? <InstallResultView connector={manifest.data} result={result} /> : null}
          {reconnect && manifest.data ? (
            <InstallForm
              connector={manifest.data}
              reconnecting={installation}
              onInstalled={(answer) => {
                setResult(answer);
                setReconnect(false);
                state.reload();
              }}
            />
          ) : null}
          <section className="panel">
            <h2>{t('At the external system')}</h2>
            <ResourceTable
              rows={installation.remote}
              rowKey={(_remote, index) => String(index)}
              empty={t('Nothing yet.')}
              columns={[
                { header: t('Kind'), cell: (remote) => remote.kind },
                { header: t('Name'), cell: (remote) => remote.name },
                { header: t('Id'), cell: (remote) => <code>{remote.externalId ?? '—'}</code> },
                { header: t('Status'), cell: (remote) => <Badge value={remote.status} /> },
              ]}
            />
          </section>
          <section className="panel">
            <h2>{t('Last requests received')}</h2>
            <ResourceTable
              rows={installation.lastDeliveries ?? []}
              rowKey={(delivery) => delivery.id}
              empty={t('Nothing received yet.')}
              columns={[
                { header: t('Received'), cell: (delivery) => <When at={delivery.receivedAt} /> },
                { header: t('Kind'), cell: (delivery) => delivery.kind },
                {
                  header: t('Status'),
                  cell: (delivery) => (
                    <>
                      <Badge value={delivery.status} /> {delivery.note ? <small className="muted">{delivery.note}</small> : null}
                    </>
                  ),
                },
                {
                  header: t('Events'),
                  cell: (delivery) =>
                    delivery.events.map((event) => (
                      <div key={event.id}>
                        <Link to={`/events/${event.id}`}>{event.type}</Link>
                        {event.duplicate ? <small className="muted"> ({t('duplicate')})</small> : null}
                      </div>
                    )),
                },
              ]}
            />
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
