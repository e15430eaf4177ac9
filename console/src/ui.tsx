/** Small pieces every page uses: loading, errors, copy buttons, status badges, dates. */
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ApiError } from './api.ts';
import { useI18n } from './i18n.tsx';

/** Loads data on mount (and when `deps` change); `reload` fetches again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: unknown) => live && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((value) => value + 1), []);
  return { ...state, reload };
}

export function ErrorBox({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  const problem = error instanceof ApiError ? error.problem : undefined;
  const status = error instanceof ApiError ? error.status : undefined;
  const title = status === 403 ? t('Your role does not allow this.') : (problem?.title ?? t('Something went wrong.'));
  return (
    <div className="error" role="alert">
      <strong>{title}</strong>
      {problem?.detail && problem.detail !== title ? <p>{problem.detail}</p> : null}
      {!problem && error instanceof Error ? <p>{error.message}</p> : null}
      {problem?.errors?.length ? (
        <ul>
          {problem.errors.map((issue, index) => (
            <li key={index}>
              <code>{issue.path || '/'}</code> {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Loading({ what }: { what?: string }) {
  const { t } = useI18n();
  return (
    <p className="muted" role="status">
      {what ?? t('Loading…')}
    </p>
  );
}

export function Loaded<T>({ state, children }: { state: { data: T | undefined; error: unknown; loading: boolean }; children: (data: T) => ReactNode }) {
  if (state.error) return <ErrorBox error={state.error} />;
  if (state.data === undefined) return <Loading />;
  return <>{children(state.data)}</>;
}

export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // No clipboard permission (plain http on another host): select the text for a manual copy instead.
      const field = document.createElement('textarea');
      field.value = text;
      document.body.append(field);
      field.select();
      document.execCommand('copy');
      field.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return (
    <button type="button" className="secondary" onClick={copy}>
      {copied ? t('Copied') : (label ?? t('Copy'))}
    </button>
  );
}

/** A value shown once, with its copy button. */
export function Secret({ label, value }: { label: string; value: string }) {
  return (
    <div className="secret">
      <span className="secret-label">{label}</span>
      <code data-testid="secret-value">{value}</code>
      <CopyButton text={value} />
    </div>
  );
}

const GOOD = new Set(['active', 'delivered', 'succeeded', 'processed', 'completed', 'granted', 'send']);
const BAD = new Set(['error', 'failed', 'undelivered', 'rejected', 'blocked', 'expired', 'withdrawn', 'block', 'archived']);

export function Badge({ value }: { value: string }) {
  const { t } = useI18n();
  const tone = GOOD.has(value) ? 'good' : BAD.has(value) ? 'bad' : 'neutral';
  return <span className={`badge ${tone}`}>{t(value)}</span>;
}

export function When({ at }: { at: string | null | undefined }) {
  const { lang } = useI18n();
  if (!at) return <span className="muted">—</span>;
  const date = new Date(at);
  return <time dateTime={at}>{date.toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'short', timeStyle: 'medium' })}</time>;
}

export function Json({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}

/** Runs an action, keeping its error and whether it is running, for buttons. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<unknown>): { run: (...args: A) => Promise<void>; busy: boolean; error: unknown; setError: (error: unknown) => void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (...args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      await action(...args);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}
