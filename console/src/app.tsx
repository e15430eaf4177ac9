/** The console's shell: the session, the navigation and the page for the current path. */
import { useEffect, useState, type ReactNode } from 'react';
import { api, setCsrfToken, whenSignedOut } from './api.ts';
import { LanguageSwitch, useI18n } from './i18n.tsx';
import { Link, match, navigate, useLocation } from './router.tsx';
import { can, SessionContext } from './session.tsx';
import type { Session } from './types.ts';
import { Loading } from './ui.tsx';
import { AcceptInvitationPage, SetupPage, SignInPage } from './pages/auth.tsx';
import { ConnectorPage, ConnectorsPage, InstallationPage } from './pages/connectors.tsx';
import { EventPage, EventsPage } from './pages/events.tsx';
import { MessagePage, MessagesPage, SendPage } from './pages/messages.tsx';
import { ContactPage, ContactsPage } from './pages/contacts.tsx';
import { NewScenarioPage, ScenarioPage, ScenariosPage } from './pages/scenarios.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { SmppPage } from './pages/smpp.tsx';
import { WebhooksPage } from './pages/webhooks.tsx';
import { PeoplePage } from './pages/people.tsx';

const ROUTES: [pattern: string, page: (params: Record<string, string>) => ReactNode][] = [
  ['/connectors', () => <ConnectorsPage />],
  ['/connectors/:id', (p) => <ConnectorPage id={p.id!} />],
  ['/connectors/:connector/installations/:id', (p) => <InstallationPage connector={p.connector!} id={p.id!} />],
  ['/events', () => <EventsPage />],
  ['/events/:id', (p) => <EventPage id={p.id!} />],
  ['/messages', () => <MessagesPage />],
  ['/messages/send', () => <SendPage />],
  ['/messages/:id', (p) => <MessagePage id={p.id!} />],
  ['/contacts', () => <ContactsPage />],
  ['/contacts/:id', (p) => <ContactPage id={p.id!} />],
  ['/scenarios', () => <ScenariosPage />],
  ['/scenarios/new', () => <NewScenarioPage />],
  ['/scenarios/:id', (p) => <ScenarioPage id={p.id!} />],
  ['/settings', () => <SettingsPage />],
  ['/smpp', () => <SmppPage />],
  ['/webhooks', () => <WebhooksPage />],
  ['/people', () => <PeoplePage />],
];

const PUBLIC_PAGES = new Set(['/setup', '/invitation', '/sign-in']);

export function App() {
  const { path, search } = useLocation();
  const [session, setSessionState] = useState<Session | undefined | null>(undefined);
  const setSession = (next: Session | undefined) => {
    setCsrfToken(next?.csrfToken);
    setSessionState(next ?? null);
  };
  useEffect(() => {
    whenSignedOut(() => setSession(undefined));
    api<Session>('GET', '/v1/session', undefined, { quiet401: true }).then(setSession, () => setSession(undefined));
  }, []);

  if (path === '/setup') return <SetupPage token={search.get('token') ?? ''} onSession={setSession} />;
  if (path === '/invitation') return <AcceptInvitationPage token={search.get('token') ?? ''} onSession={setSession} />;
  if (session === undefined) return <Loading />;
  if (session === null) return <SignInPage onSession={setSession} />;
  if (path === '/' || PUBLIC_PAGES.has(path)) {
    navigate('/connectors', { replace: true });
    return null;
  }
  let page: ReactNode = <NotFound />;
  for (const [pattern, render] of ROUTES) {
    const params = match(pattern, path);
    if (params) {
      page = render(params);
      break;
    }
  }
  return (
    <SessionContext.Provider value={{ user: session.user, setSession }}>
      <Shell current={path}>{page}</Shell>
    </SessionContext.Provider>
  );
}

function NotFound() {
  const { t } = useI18n();
  return <h1>{t('Page not found')}</h1>;
}

function Shell({ current, children }: { current: string; children: ReactNode }) {
  const { t } = useI18n();
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <SessionContext.Consumer>
      {(state) => {
        const role = state!.user.role;
        const links: [string, string][] = [
          ['/connectors', t('Connectors')],
          ['/events', t('Events')],
          ['/messages', t('Messages')],
          ['/contacts', t('Contacts')],
          ['/scenarios', t('Scenarios')],
          ...(can.administer(role)
            ? ([
                ['/settings', t('Sending settings')],
                ['/smpp', t('SMPP accounts')],
                ['/webhooks', t('Webhooks')],
              ] as [string, string][])
            : []),
          ...(can.managePeople(role) ? ([['/people', t('People and API keys')]] as [string, string][]) : []),
        ];
        const signOut = async (everywhere: boolean) => {
          await api('POST', everywhere ? '/v1/auth/sign-out-everywhere' : '/v1/auth/sign-out', {}).catch(() => undefined);
          state!.setSession(undefined);
          navigate('/sign-in', { replace: true });
        };
        return (
          <div className="shell">
            <a className="skip" href="#main">
              {t('Skip to content')}
            </a>
            <header className="top">
              <span className="brand">{t('Connector hub')}</span>
              <button type="button" className="menu-toggle secondary" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
                {t('Menu')}
              </button>
              <div className="top-right">
                <span className="who" data-testid="who">
                  {state!.user.email} · {t(role)}
                </span>
                <LanguageSwitch />
                <button type="button" className="secondary" onClick={() => signOut(false)}>
                  {t('Sign out')}
                </button>
                <button type="button" className="secondary" onClick={() => signOut(true)}>
                  {t('Sign out everywhere')}
                </button>
              </div>
            </header>
            <nav id="nav" className={menuOpen ? 'open' : ''} aria-label={t('Main')}>
              <ul>
                {links.map(([to, label]) => (
                  <li key={to}>
                    <Link to={to} aria-current={current === to || current.startsWith(to + '/') ? 'page' : undefined} onClick={() => setMenuOpen(false)}>
                      {label}
                    </Link>
                  </li>
                ))}
              </ul>
            </nav>
            <main id="main" tabIndex={-1}>
              {children}
            </main>
          </div>
        );
      }}
    </SessionContext.Consumer>
  );
}
