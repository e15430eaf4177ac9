/** Signed-out pages: sign in, the first owner's setup (the link the hub prints), accepting an invitation. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api.ts';
import { LanguageSwitch, useI18n } from '../i18n.tsx';
import { navigate } from '../router.tsx';
import type { Session } from '../types.ts';
import { ErrorBox, useAction } from '../ui.tsx';

type OnSession = (session: Session) => void;

function AuthFrame({ title, intro, children }: { title: string; intro?: string; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <main id="main" className="auth">
      <div className="auth-card">
        <div className="auth-head">
          <span className="brand">{t('Connector hub')}</span>
          <LanguageSwitch />
        </div>
        <h1>{title}</h1>
        {intro ? <p className="muted">{intro}</p> : null}
        {children}
      </div>
    </main>
  );
}

function Field({ label, type = 'text', value, onChange, autoComplete, required = true, hint }: { label: string; type?: string; value: string; onChange: (value: string) => void; autoComplete?: string; required?: boolean; hint?: string }) {
  return (
    <label className="field">
      <span>{label}</span>
      <input type={type} value={value} required={required} autoComplete={autoComplete} onChange={(event) => onChange(event.target.value)} />
      {hint ? <small className="muted">{hint}</small> : null}
    </label>
  );
}

export function SignInPage({ onSession }: { onSession: OnSession }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(async () => {
    const session = await api<Session>('POST', '/v1/auth/sign-in', { email, password }, { quiet401: true });
    onSession(session);
    navigate(location.pathname.startsWith('/console/sign-in') || location.pathname === '/console' || location.pathname === '/console/' ? '/connectors' : location.pathname + location.search, { replace: true });
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run();
  };
  return (
    <AuthFrame title={t('Sign in')}>
      <form onSubmit={submit}>
        <Field label={t('Email')} type="email" value={email} onChange={setEmail} autoComplete="username" />
        <Field label={t('Password')} type="password" value={password} onChange={setPassword} autoComplete="current-password" />
        <ErrorBox error={action.error} />
        <button type="submit" disabled={action.busy}>
          {t('Sign in')}
        </button>
      </form>
    </AuthFrame>
  );
}

export function SetupPage({ token, onSession }: { token: string; onSession: OnSession }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(async () => {
    const answer = await api<Session | undefined>('POST', '/v1/auth/setup', { token, email, password, ...(name ? { name } : {}) }, { quiet401: true });
    // The hub opens the owner's session with the account; sign in only if it did not.
    onSession(answer?.csrfToken ? answer : await api<Session>('POST', '/v1/auth/sign-in', { email, password }, { quiet401: true }));
    navigate('/connectors', { replace: true });
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run();
  };
  return (
    <AuthFrame title={t('Create the owner account')} intro={t('This link was printed in the hub’s log at its first start. It works once: the account you create here owns the hub and can invite the others.')}>
      {!token ? <p className="error">{t('This page needs the link printed in the hub’s log (…/console/setup?token=…).')}</p> : null}
      <form onSubmit={submit}>
        <Field label={t('Email')} type="email" value={email} onChange={setEmail} autoComplete="username" />
        <Field label={t('Name')} value={name} onChange={setName} autoComplete="name" required={false} />
        <Field label={t('Password')} type="password" value={password} onChange={setPassword} autoComplete="new-password" hint={t('At least 10 characters.')} />
        <ErrorBox error={action.error} />
        <button type="submit" disabled={action.busy || !token}>
          {t('Create the account')}
        </button>
      </form>
    </AuthFrame>
  );
}

export function AcceptInvitationPage({ token, onSession }: { token: string; onSession: OnSession }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(async () => {
    const answer = await api<Session | { user: { email: string } }>('POST', '/v1/auth/accept-invitation', { token, password, ...(name ? { name } : {}) }, { quiet401: true });
    // The hub may open the session at once; otherwise sign in with the invited address.
    const session = 'csrfToken' in answer ? answer : await api<Session>('POST', '/v1/auth/sign-in', { email: answer.user.email, password }, { quiet401: true });
    onSession(session);
    navigate('/connectors', { replace: true });
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run();
  };
  return (
    <AuthFrame title={t('Join your team')} intro={t('Choose a password to accept the invitation.')}>
      <form onSubmit={submit}>
        <Field label={t('Name')} value={name} onChange={setName} autoComplete="name" required={false} />
        <Field label={t('Password')} type="password" value={password} onChange={setPassword} autoComplete="new-password" hint={t('At least 10 characters.')} />
        <ErrorBox error={action.error} />
        <button type="submit" disabled={action.busy || !token}>
          {t('Accept the invitation')}
        </button>
      </form>
    </AuthFrame>
  );
}
