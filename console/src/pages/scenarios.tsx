/**
 * Scenarios: the list, creation from a template or from scratch, the flow editor (a readable card and
 * a generated form per step, the JSON beside), validation pointed at the step, simulation, lifecycle, runs.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { get, post, put, query } from '../api.ts';
import { useI18n, type Translate } from '../i18n.tsx';
import { openApiDocument, stepSchema, stepTypes } from '../openapi.ts';
import { ResourceTable } from '../resource-table.tsx';
import { Link, navigate } from '../router.tsx';
import { formSchema, SchemaForm } from '../schema-form.tsx';
import { can, useSession } from '../session.tsx';
import type { Page, Scenario, ScenarioDefinition, ScenarioRun, ScenarioStep, SimulationResult, ValidationAnswer } from '../types.ts';
import { Badge, ErrorBox, Loaded, useAction, useLoad, When } from '../ui.tsx';

export function ScenariosPage() {
  const { t } = useI18n();
  const { user } = useSession();
  const state = useLoad(() => get<Page<Scenario>>('/v1/scenarios?limit=100'));
  return (
    <>
      <div className="page-head">
        <h1>{t('Scenarios')}</h1>
        {can.write(user.role) ? (
          <Link className="button" to="/scenarios/new">
            {t('New scenario')}
          </Link>
        ) : null}
      </div>
      <Loaded state={state}>
        {(page) => (
          <ResourceTable
            rows={page.items}
            rowKey={(scenario) => scenario.id}
            testId="scenarios"
            empty={t('No scenario yet: start from a template.')}
            columns={[
              { header: t('Name'), cell: (scenario) => <Link to={`/scenarios/${scenario.id}`}>{scenario.name}</Link> },
              { header: t('Status'), cell: (scenario) => <Badge value={scenario.status} /> },
              { header: t('Trigger'), cell: (scenario) => triggerText(scenario.definition, t) },
              { header: t('Updated'), cell: (scenario) => <When at={scenario.updatedAt} /> },
            ]}
          />
        )}
      </Loaded>
    </>
  );
}

/** A template of the hub's scenario library (GET /v1/scenario-templates): its parameters' JSON Schema, with their defaults. */
interface Template {
  id: string;
  name: string;
  description: string;
  needs: { events: string[]; data: { field: string; why: string }[] };
  parameters: Record<string, unknown>;
  defaults: Record<string, unknown>;
}

/** The chosen template's parameters as a form generated from their schema, starting from their defaults; and what the template needs. */
function TemplateParameters({ template, value, onChange }: { template: Template; value: Record<string, unknown>; onChange: (value: Record<string, unknown>) => void }) {
  const { t } = useI18n();
  const schema = formSchema(template.parameters);
  return (
    <section className="panel" data-testid="template-parameters">
      <h2>{t('Parameters')}</h2>
      <p className="muted">{t('Each has its default: change what your shop needs, the rest can be edited later in the flow.')}</p>
      {template.needs.events.length ? (
        <p>
          {t('It reacts to')}: {template.needs.events.map((type) => <code key={type}>{type} </code>)}
        </p>
      ) : null}
      <SchemaForm schema={schema} value={value} onChange={onChange} idPrefix={`template-${template.id}`} />
    </section>
  );
}

async function loadTemplates(): Promise<Template[]> {
  return (await get<{ items: Template[] }>('/v1/scenario-templates')).items;
}

const SCRATCH: ScenarioDefinition = {
  trigger: { kind: 'event', event: 'order.created' },
  entry: { per: 'contact', reentry: true },
  exitEvents: [],
  steps: [
    { id: 'sms', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: 'Merci pour votre commande !' }, next: 'fin' },
    { id: 'fin', type: 'exit' },
  ],
};

export function NewScenarioPage() {
  const { t } = useI18n();
  const templates = useLoad(() => loadTemplates());
  const [chosen, setChosen] = useState<Template | 'scratch' | undefined>();
  const [parameters, setParameters] = useState<Record<string, unknown>>({});
  const [name, setName] = useState('');
  const create = useAction(async () => {
    // A template is instantiated by the hub with the parameters of the form (a wrong one is answered naming it).
    const scenario =
      chosen === 'scratch' || !chosen
        ? await post<Scenario>('/v1/scenarios', { name, description: null, definition: SCRATCH })
        : await post<Scenario>(`/v1/scenario-templates/${chosen.id}/instantiate`, { name, parameters });
    navigate(`/scenarios/${scenario.id}`);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };
  return (
    <>
      <p>
        <Link to="/scenarios">← {t('Scenarios')}</Link>
      </p>
      <h1>{t('New scenario')}</h1>
      <Loaded state={templates}>
        {(list) => (
          <fieldset className="choices">
            <legend>{t('Start from')}</legend>
            {list.map((template) => (
              <label key={template.id} className="choice">
                <input
                  type="radio"
                  name="template"
                  checked={chosen !== 'scratch' && chosen?.id === template.id}
                  onChange={() => {
                    setChosen(template);
                    setParameters(template.defaults);
                    if (!name) setName(template.name);
                  }}
                />
                <span>
                  <strong>{template.name}</strong>
                  <br />
                  <span className="muted">{template.description}</span>
                </span>
              </label>
            ))}
            <label className="choice">
              <input type="radio" name="template" checked={chosen === 'scratch'} onChange={() => setChosen('scratch')} />
              <span>
                <strong>{t('From scratch')}</strong>
                <br />
                <span className="muted">{t('A trigger, one SMS, the end: build on it.')}</span>
              </span>
            </label>
          </fieldset>
        )}
      </Loaded>
      {chosen && chosen !== 'scratch' ? <TemplateParameters key={chosen.id} template={chosen} value={parameters} onChange={setParameters} /> : null}
      <form onSubmit={submit}>
        <label className="field">
          <span>{t('Name')}</span>
          <input value={name} required onChange={(event) => setName(event.target.value)} />
        </label>
        <ErrorBox error={create.error} />
        <button type="submit" disabled={!chosen || !name || create.busy}>
          {t('Create the draft')}
        </button>
      </form>
    </>
  );
}

function triggerText(definition: ScenarioDefinition, t: Translate): string {
  const trigger = definition.trigger as { kind: string; event?: string; field?: string; at?: string; segmentId?: string };
  if (trigger.kind === 'event') return t('When {event} happens', { event: trigger.event ?? '?' });
  if (trigger.kind === 'date') return t('Every year on {field} at {at}', { field: trigger.field ?? '?', at: trigger.at ?? '10:00' });
  if (trigger.kind === 'segment') return t('When a contact enters segment {segment}', { segment: trigger.segmentId ?? '?' });
  return trigger.kind;
}

/** One sentence per step, as a marketer reads the flow. */
function stepText(step: ScenarioStep, t: Translate): string {
  const s = step as Record<string, any>;
  switch (step.type) {
    case 'wait':
      if (s.wait?.kind === 'duration') return t('Wait {duration}', { duration: s.wait.duration });
      if (s.wait?.kind === 'untilDate') return t('Wait until {field} {offset}', { field: s.wait.field, offset: s.wait.offset ?? '' });
      return t('Wait for the sending window');
    case 'waitFor':
      return t('Wait for {event} up to {timeout}', { event: s.event, timeout: s.timeout ?? '—' });
    case 'condition':
      return t('If the condition holds');
    case 'action':
      if (s.action?.kind === 'sendSms') return t('Send the SMS “{text}”', { text: s.action.text });
      if (s.action?.kind === 'sendEmail') return t('Send the email “{subject}”', { subject: s.action.subject });
      return t('Do {action}', { action: s.action?.kind === 'connector' ? `${s.action.connector}.${s.action.action}` : (s.action?.kind ?? '?') });
    case 'goto':
      return t('Go back to {target}, at most {times} times', { target: s.target, times: s.maxRotations });
    case 'exit':
      return t('End');
    default:
      return step.type;
  }
}

/** Where each step goes next, with the branch's name. */
function stepExits(step: ScenarioStep, t: Translate): [string, string][] {
  const s = step as Record<string, any>;
  const exits: [string, unknown][] = [
    [t('then'), s.next],
    [t('if it happened'), s.happened],
    [t('if not'), s.timedOut],
    [t('yes'), s.yes],
    [t('no'), s.no],
    [t('afterwards'), s.then],
  ];
  return exits.filter((exit): exit is [string, string] => typeof exit[1] === 'string');
}

/** "definition.steps.2.action.text", "/definition/steps/2/…", "steps[2]" → 2. */
export function stepIndexOf(path: string): number | undefined {
  const found = path.match(/steps(?:\.|\/|\[)(\d+)/);
  return found ? Number(found[1]) : undefined;
}

function FlowEditor({ definition, onChange, issues, editable }: { definition: ScenarioDefinition; onChange: (definition: ScenarioDefinition) => void; issues: { path: string; message: string }[]; editable: boolean }) {
  const { t } = useI18n();
  const document = useLoad(() => openApiDocument());
  const [open, setOpen] = useState<number | undefined>();
  const [adding, setAdding] = useState('action');
  const setStep = (index: number, step: ScenarioStep) => onChange({ ...definition, steps: definition.steps.map((old, i) => (i === index ? step : old)) });
  const removeStep = (index: number) => onChange({ ...definition, steps: definition.steps.filter((_, i) => i !== index) });
  const addStep = () => {
    const id = `${adding}-${definition.steps.length + 1}`;
    const fresh: ScenarioStep =
      adding === 'action'
        ? { id, type: 'action', action: { kind: 'sendSms', category: 'marketing', text: '' } }
        : adding === 'wait'
          ? { id, type: 'wait', wait: { kind: 'duration', duration: '1h' } }
          : adding === 'waitFor'
            ? { id, type: 'waitFor', event: 'order.created', timeout: '24h' }
            : adding === 'goto'
              ? { id, type: 'goto', target: definition.steps[0]?.id ?? '', maxRotations: 1 }
              : adding === 'condition'
                ? { id, type: 'condition', if: { all: [] }, yes: '', no: '' }
                : { id, type: adding };
    onChange({ ...definition, steps: [...definition.steps, fresh] });
    setOpen(definition.steps.length);
  };
  const general = issues.filter((issue) => stepIndexOf(issue.path) === undefined);
  return (
    <div className="flow">
      <div className="flow-trigger step-card">
        <strong>{t('Trigger')}</strong> {triggerText(definition, t)}
      </div>
      {general.length ? (
        <ul className="error" role="alert">
          {general.map((issue, index) => (
            <li key={index}>
              <code>{issue.path}</code> {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
      <ol className="steps">
        {definition.steps.map((step, index) => {
          const stepIssues = issues.filter((issue) => stepIndexOf(issue.path) === index);
          const schema = document.data ? stepSchema(document.data, step.type) : undefined;
          return (
            <li key={index} className={`step-card${stepIssues.length ? ' invalid' : ''}`} data-testid={`step-${step.id}`}>
              <div className="step-head">
                <span className="step-type">{t(step.type)}</span>
                <code>{step.id}</code>
                <span className="step-text">{stepText(step, t)}</span>
              </div>
              {stepExits(step, t).length ? (
                <p className="step-exits">
                  {stepExits(step, t).map(([label, target]) => (
                    <span key={label}>
                      {label} → <code>{target}</code>{' '}
                    </span>
                  ))}
                </p>
              ) : null}
              {stepIssues.map((issue, i) => (
                <p key={i} className="error-text" role="alert">
                  {issue.message} <small>({issue.path})</small>
                </p>
              ))}
              <div className="actions">
                <button type="button" className="secondary" aria-expanded={open === index} onClick={() => setOpen(open === index ? undefined : index)}>
                  {open === index ? t('Close') : editable ? t('Edit') : t('Details')}
                </button>
                {editable ? (
                  <button type="button" className="secondary" onClick={() => removeStep(index)}>
                    {t('Remove')}
                  </button>
                ) : null}
              </div>
              {open === index ? (
                schema ? (
                  <SchemaForm schema={schema} value={step} onChange={(value) => setStep(index, value)} disabled={!editable} idPrefix={`step-${index}`} />
                ) : (
                  <pre className="json">{JSON.stringify(step, null, 2)}</pre>
                )
              ) : null}
            </li>
          );
        })}
      </ol>
      {editable && document.data ? (
        <div className="actions">
          <label>
            <span className="visually-hidden">{t('Step type')}</span>
            <select value={adding} onChange={(event) => setAdding(event.target.value)}>
              {stepTypes(document.data).map((type) => (
                <option key={type} value={type}>
                  {t(type)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="secondary" onClick={addStep}>
            {t('Add a step')}
          </button>
        </div>
      ) : null}
    </div>
  );
}

function JsonEditor({ definition, onChange, editable }: { definition: ScenarioDefinition; onChange: (definition: ScenarioDefinition) => void; editable: boolean }) {
  const { t } = useI18n();
  const [text, setText] = useState(() => JSON.stringify(definition, null, 2));
  const [error, setError] = useState<string | undefined>();
  useEffect(() => setText(JSON.stringify(definition, null, 2)), [definition]);
  const apply = () => {
    try {
      onChange(JSON.parse(text) as ScenarioDefinition);
      setError(undefined);
    } catch (caught) {
      setError((caught as Error).message);
    }
  };
  return (
    <div>
      <label className="field">
        <span>{t('Definition (JSON)')}</span>
        <textarea className="code" rows={20} value={text} readOnly={!editable} onChange={(event) => setText(event.target.value)} />
      </label>
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
      {editable ? (
        <button type="button" className="secondary" onClick={apply}>
          {t('Apply the JSON')}
        </button>
      ) : null}
    </div>
  );
}

function Simulation({ scenarioId, definition }: { scenarioId: string; definition: ScenarioDefinition }) {
  const { t } = useI18n();
  const trigger = definition.trigger as { kind: string; event?: string };
  const eventTypes = useLoad(() => get<{ items: { type: string; example: unknown }[] }>('/v1/event-types'));
  const [phone, setPhone] = useState('+33612345678');
  const [firstName, setFirstName] = useState('Camille');
  const [events, setEvents] = useState<string | undefined>();
  const example = eventTypes.data?.items.find((item) => item.type === trigger.event)?.example;
  const defaultEvents = trigger.kind === 'event' ? [{ at: '+0s', type: trigger.event, data: (example as { data?: unknown } | undefined)?.data ?? example ?? {} }] : [];
  const shownEvents = events ?? JSON.stringify(defaultEvents, null, 2);
  const [result, setResult] = useState<SimulationResult | undefined>();
  const run = useAction(async () => {
    setResult(await post<SimulationResult>(`/v1/scenarios/${scenarioId}/simulate`, { contact: { phone, firstName }, events: JSON.parse(shownEvents) }));
  });
  return (
    <section className="panel">
      <h2>{t('Simulation')}</h2>
      <p className="muted">{t('Runs the saved version on a virtual clock: nothing is sent, nothing is stored.')}</p>
      <div className="row">
        <label className="field">
          <span>{t('Contact’s phone')}</span>
          <input value={phone} onChange={(event) => setPhone(event.target.value)} />
        </label>
        <label className="field">
          <span>{t('First name')}</span>
          <input value={firstName} onChange={(event) => setFirstName(event.target.value)} />
        </label>
      </div>
      <label className="field">
        <span>{t('Events the contact produces (at: “+0s”, “+2h”, “+3d”)')}</span>
        <textarea className="code" rows={8} value={shownEvents} onChange={(event) => setEvents(event.target.value)} />
      </label>
      <button type="button" onClick={() => run.run()} disabled={run.busy}>
        {t('Simulate')}
      </button>
      <ErrorBox error={run.error} />
      {result ? (
        <div data-testid="simulation-timeline">
          <h3>{t('Timeline')}</h3>
          <ol className="timeline">
            {result.timeline.map((entry, index) => (
              <li key={index}>
                <When at={String(entry.at)} /> <strong>{t(String(entry.kind))}</strong> {timelineText(entry)}
              </li>
            ))}
          </ol>
          <p>{t('{n} messages would be sent.', { n: result.messages.length })}</p>
          {result.truncated ? <p className="warning-text">{t('The horizon cut the simulation short.')}</p> : null}
        </div>
      ) : null}
    </section>
  );
}

function timelineText(entry: Record<string, unknown>): string {
  const e = entry as Record<string, any>;
  switch (e.kind) {
    case 'event':
      return e.type;
    case 'step':
      return `${e.step} → ${e.outcome}${e.next ? ` → ${e.next}` : ''}`;
    case 'waiting':
      return `${e.step} ${e.forEvent ?? ''} → ${e.until}`;
    case 'message':
      return `${e.channel} ${e.to}: “${e.text ?? e.subject}” (${e.status}${e.blockReason ? `, ${e.blockReason}` : ''})`;
    case 'ended':
      return `${e.status}: ${e.reason}`;
    default:
      return e.reason ?? e.type ?? '';
  }
}

function Runs({ scenarioId }: { scenarioId: string }) {
  const { t } = useI18n();
  const state = useLoad(() => get<Page<ScenarioRun>>(`/v1/scenarios/${scenarioId}/runs${query({ limit: 50 })}`), [scenarioId]);
  return (
    <section className="panel">
      <h2>{t('Runs')}</h2>
      <Loaded state={state}>
        {(page) => (
          <ResourceTable
            rows={page.items}
            rowKey={(run) => run.id}
            testId="runs"
            empty={t('No run yet.')}
            columns={[
              { header: t('Started'), cell: (run) => <When at={run.startedAt} /> },
              { header: t('Contact'), cell: (run) => <Link to={`/contacts/${run.contactId}`}>{run.contactId}</Link> },
              { header: t('Status'), cell: (run) => <Badge value={run.status} /> },
              { header: t('Step'), cell: (run) => <code>{run.step ?? '—'}</code> },
              {
                header: t('Ended'),
                cell: (run) => (
                  <>
                    <When at={run.endedAt} /> {run.endReason ? <small className="muted">{run.endReason}</small> : null}
                  </>
                ),
              },
            ]}
          />
        )}
      </Loaded>
    </section>
  );
}

export function ScenarioPage({ id }: { id: string }) {
  const { t } = useI18n();
  const { user } = useSession();
  const state = useLoad(() => get<Scenario>(`/v1/scenarios/${id}`), [id]);
  const [draft, setDraft] = useState<ScenarioDefinition | undefined>();
  const [view, setView] = useState<'flow' | 'json'>('flow');
  const [issues, setIssues] = useState<{ path: string; message: string }[]>([]);
  const [saved, setSaved] = useState(false);
  const editable = can.write(user.role);
  const scenario = state.data;
  const definition = draft ?? scenario?.definition;
  const changed = draft !== undefined;
  const save = useAction(async () => {
    if (!scenario || !definition) return;
    const check = await post<ValidationAnswer>('/v1/scenarios/validate', { name: scenario.name, definition });
    setIssues(check.errors);
    if (!check.valid) return;
    await put(`/v1/scenarios/${id}`, { definition });
    setDraft(undefined);
    setSaved(true);
    state.reload();
  });
  const lifecycle = useAction(async (verb: 'activate' | 'pause' | 'archive') => {
    await post(`/v1/scenarios/${id}/${verb}`, {});
    state.reload();
  });
  const validate = useAction(async () => {
    if (!scenario || !definition) return;
    const check = await post<ValidationAnswer>('/v1/scenarios/validate', { name: scenario.name, definition });
    setIssues(check.errors);
  });
  const lifecycleError = useMemo(() => lifecycle.error, [lifecycle.error]);
  return (
    <Loaded state={state}>
      {(s) => (
        <>
          <p>
            <Link to="/scenarios">← {t('Scenarios')}</Link>
          </p>
          <div className="page-head">
            <h1>{s.name}</h1>
            <Badge value={s.status} />
          </div>
          {s.description ? <p className="muted">{s.description}</p> : null}
          <p className="muted">
            {t('Version {version}', { version: s.version })}
            {s.activeVersion ? ` · ${t('active version {version}', { version: s.activeVersion })}` : ''}
          </p>
          {editable ? (
            <div className="actions">
              {s.status !== 'active' && s.status !== 'archived' ? (
                <button type="button" onClick={() => lifecycle.run('activate')} disabled={lifecycle.busy || changed}>
                  {s.status === 'paused' ? t('Resume') : t('Activate')}
                </button>
              ) : null}
              {s.status === 'active' ? (
                <button type="button" className="secondary" onClick={() => lifecycle.run('pause')} disabled={lifecycle.busy}>
                  {t('Pause')}
                </button>
              ) : null}
              {s.status !== 'archived' ? (
                <button type="button" className="secondary" onClick={() => lifecycle.run('archive')} disabled={lifecycle.busy}>
                  {t('Archive')}
                </button>
              ) : null}
            </div>
          ) : null}
          <ErrorBox error={lifecycleError} />
          <section className="panel">
            <div className="tabs" role="tablist">
              <button type="button" role="tab" aria-selected={view === 'flow'} className={view === 'flow' ? '' : 'secondary'} onClick={() => setView('flow')}>
                {t('Flow')}
              </button>
              <button type="button" role="tab" aria-selected={view === 'json'} className={view === 'json' ? '' : 'secondary'} onClick={() => setView('json')}>
                JSON
              </button>
            </div>
            {definition ? (
              view === 'flow' ? (
                <FlowEditor
                  definition={definition}
                  editable={editable}
                  issues={issues}
                  onChange={(next) => {
                    setDraft(next);
                    setSaved(false);
                  }}
                />
              ) : (
                <JsonEditor definition={definition} editable={editable} onChange={(next) => setDraft(next)} />
              )
            ) : null}
            {editable ? (
              <div className="actions">
                <button type="button" onClick={() => save.run()} disabled={!changed || save.busy}>
                  {t('Save')}
                </button>
                <button type="button" className="secondary" onClick={() => validate.run()} disabled={validate.busy}>
                  {t('Check')}
                </button>
                {changed ? (
                  <button type="button" className="secondary" onClick={() => (setDraft(undefined), setIssues([]))}>
                    {t('Discard changes')}
                  </button>
                ) : null}
                <span role="status">{saved ? t('Saved.') : changed ? t('Unsaved changes.') : ''}</span>
              </div>
            ) : null}
            <ErrorBox error={save.error ?? validate.error} />
          </section>
          <Simulation scenarioId={id} definition={s.definition} />
          <Runs scenarioId={id} />
        </>
      )}
    </Loaded>
  );
}
