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

/** A value to copy (a secret, a link, an id), with its copy button. */
export function Secret({ label, value }: { label: string; value: string }) {
  return (
    <div className="secret">
      <span className="secret-label">{label}</span>
      <code data-testid="secret-value">{value}</code>
      <CopyButton text={value} />
    </div>
  );
}

/**
 * What the hub answers once and never again (an API key, a plugin secret, an SMPP password, a
 * webhook's signing secret, an invitation link): the warning, each value with its Copy button, then
 * what to do with it (children).
 */
export function ShownOnce({ title, warning, values, children, testId }: { title?: string; warning: string; values: { label: string; value: string }[]; children?: ReactNode; testId?: string }) {
  return (
    <section className="panel success" aria-live="polite" data-testid={testId}>
      {title ? <h2>{title}</h2> : null}
      <p className="warning-text">{warning}</p>
      {values.map(({ label, value }) => (
        <Secret key={label} label={label} value={value} />
      ))}
      {children}
    </section>
  );
}

const GOOD = new Set(['active', 'delivered', 'succeeded', 'processed', 'completed', 'granted', 'send']);
const BAD = new Set(['error', 'failed', 'undelivered', 'rejected', 'blocked', 'expired', 'withdrawn', 'block', 'archived', 'reauthorize']);

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

export interface Attempt {
  attempt: number;
  startedAt: string;
  durationMs?: number;
  outcome: string;
  statusCode: number | null;
  error: string | null;
}

/** A delivery's attempts, oldest first: when, what came of it, the answer's status and the error. */
export function Attempts({ attempts }: { attempts: Attempt[] }) {
  if (attempts.length === 0) return <span className="muted">—</span>;
  return (
    <ol className="attempts">
      {attempts.map((attempt) => (
        <li key={attempt.attempt}>
          <When at={attempt.startedAt} /> {attempt.outcome} {attempt.statusCode ?? ''}
          {attempt.durationMs !== undefined ? ` (${Math.round(attempt.durationMs)} ms)` : ''} {attempt.error ?? ''}
        </li>
      ))}
    </ol>
  );
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
