/** People (roles, invitations by link) and API keys (created — shown once —, named, revoked). */
import { useState, type FormEvent } from 'react';
import { ApiError, del, get, patch, post } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { ResourceTable } from '../resource-table.tsx';
import { useSession } from '../session.tsx';
import type { ApiKey, Role, User } from '../types.ts';
import { ErrorBox, Loaded, ShownOnce, useAction, useLoad, When } from '../ui.tsx';

const ROLES: Role[] = ['owner', 'admin', 'marketer', 'read-only'];

interface Invitation {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  expiresAt?: string;
}

/** A role picker; `owner` is offered only to owners (the API refuses the rest), or kept when it is the current value. */
function RoleSelect({ value, onChange, label, allowOwner, visibleLabel = false }: { value: Role; onChange: (role: Role) => void; label: string; allowOwner: boolean; visibleLabel?: boolean }) {
  const { t } = useI18n();
  return (
    <label className={visibleLabel ? 'field' : 'field inline'}>
      <span className={visibleLabel ? undefined : 'visually-hidden'}>{label}</span>
      <select value={value} onChange={(event) => onChange(event.target.value as Role)}>
        {ROLES.filter((role) => allowOwner || role !== 'owner' || value === 'owner').map((role) => (
          <option key={role} value={role}>
            {t(role)}
          </option>
        ))}
      </select>
    </label>
  );
}

function Users() {
  const { t } = useI18n();
  const { user: me } = useSession();
  const users = useLoad(() => get<{ items: User[] }>('/v1/users'));
  const change = useAction(async (id: string, role: Role) => {
    await patch(`/v1/users/${id}`, { role });
    users.reload();
  });
  const remove = useAction(async (user: User) => {
    if (!confirm(t('Remove {email}? Their sessions end at once.', { email: user.email }))) return;
    await del(`/v1/users/${user.id}`);
    users.reload();
  });
  return (
    <section className="panel">
      <h2>{t('People')}</h2>
      <ErrorBox error={change.error ?? remove.error} />
      <Loaded state={users}>
        {(list) => (
          <ResourceTable
            rows={list.items}
            rowKey={(user) => user.id}
            columns={[
              { header: t('Email'), cell: (user) => user.email },
              { header: t('Name'), cell: (user) => user.name ?? '—' },
              {
                header: t('Role'),
                cell: (user) =>
                  user.id === me.id ? t(user.role) : <RoleSelect value={user.role} label={t('Role of {email}', { email: user.email })} allowOwner={me.role === 'owner'} onChange={(role) => change.run(user.id, role)} />,
              },
              {
                cell: (user) =>
                  user.id !== me.id ? (
                    <button type="button" className="danger" onClick={() => remove.run(user)}>
                      {t('Remove')}
                    </button>
                  ) : null,
              },
            ]}
          />
        )}
      </Loaded>
    </section>
  );
}

function Invitations() {
  const { t } = useI18n();
  const { user: me } = useSession();
  const invitations = useLoad(() => get<{ items: Invitation[] }>('/v1/invitations'));
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('marketer');
  const [link, setLink] = useState<string | undefined>();
  const invite = useAction(async () => {
    const answer = await post<{ id: string; link: string }>('/v1/invitations', { email, role });
    setLink(answer.link);
    setEmail('');
    invitations.reload();
  });
  const revoke = useAction(async (id: string) => {
    await del(`/v1/invitations/${id}`);
    invitations.reload();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void invite.run();
  };
  return (
    <section className="panel">
      <h2>{t('Invite someone')}</h2>
      <form onSubmit={submit} className="row">
        <label className="field">
          <span>{t('Email')}</span>
          <input type="email" value={email} required onChange={(event) => setEmail(event.target.value)} />
        </label>
        <RoleSelect value={role} onChange={setRole} label={t('Role')} allowOwner={me.role === 'owner'} visibleLabel />
        <button type="submit" disabled={invite.busy}>
          {t('Create the invitation link')}
        </button>
      </form>
      <ErrorBox error={invite.error ?? revoke.error} />
      {link ? <ShownOnce warning={t('Send this link to the person you invite; it works once.')} values={[{ label: t('Invitation link'), value: link }]} testId="invitation-link" /> : null}
      <Loaded state={invitations}>
        {(list) => (
          <ResourceTable
            rows={list.items}
            rowKey={(invitation) => invitation.id}
            columns={[
              { header: t('Email'), cell: (invitation) => invitation.email },
              { header: t('Role'), cell: (invitation) => t(invitation.role) },
              { header: t('Created'), cell: (invitation) => <When at={invitation.createdAt} /> },
              {
                cell: (invitation) => (
                  <button type="button" className="secondary" onClick={() => revoke.run(invitation.id)}>
                    {t('Revoke')}
                  </button>
                ),
              },
            ]}
          />
        )}
      </Loaded>
    </section>
  );
}

function ApiKeys() {
  const { t } = useI18n();
  const keys = useLoad(() => get<{ items: ApiKey[] }>('/v1/api-keys'));
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('admin');
  const [created, setCreated] = useState<{ name: string; key: string } | undefined>();
  const create = useAction(async () => {
    setCreated(await post<{ id: string; name: string; key: string }>('/v1/api-keys', { name, role }));
    setName('');
    keys.reload();
  });
  const revoke = useAction(async (key: ApiKey) => {
    if (!confirm(t('Revoke the key “{name}”? Whatever uses it stops working at once.', { name: key.name }))) return;
    try {
      await del(`/v1/api-keys/${key.id}`);
    } catch (error) {
      // Hubs before sessions revoke with POST …/revoke.
      if (!(error instanceof ApiError && (error.status === 404 || error.status === 405))) throw error;
      await post(`/v1/api-keys/${key.id}/revoke`);
    }
    keys.reload();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };
  return (
    <section className="panel">
      <h2>{t('API keys')}</h2>
      <p className="muted">{t('For scripts and integrations: they call the same API as this console.')}</p>
      {created ? <ShownOnce warning={t('Copy the key now: the hub never shows it again.')} values={[{ label: created.name, value: created.key }]} testId="api-key" /> : null}
      <form onSubmit={submit} className="row">
        <label className="field">
          <span>{t('Name')}</span>
          <input value={name} required onChange={(event) => setName(event.target.value)} placeholder="zapier" />
        </label>
        <RoleSelect value={role} onChange={setRole} label={t('Role')} allowOwner={false} visibleLabel />
        <button type="submit" disabled={create.busy}>
          {t('Create a key')}
        </button>
      </form>
      <ErrorBox error={create.error ?? revoke.error} />
      <Loaded state={keys}>
        {(list) => (
          <ResourceTable
            rows={list.items}
            rowKey={(key) => key.id}
            testId="api-keys"
            columns={[
              { header: t('Name'), cell: (key) => key.name },
              { header: t('Starts with'), cell: (key) => <code>{key.prefix ?? ''}…</code> },
              { header: t('Role'), cell: (key) => (key.role ? t(key.role) : '—') },
              { header: t('Last used'), cell: (key) => <When at={key.lastUsedAt} /> },
              {
                cell: (key) =>
                  key.revokedAt ? (
                    <span className="muted">{t('revoked')}</span>
                  ) : (
                    <button type="button" className="danger" onClick={() => revoke.run(key)}>
                      {t('Revoke')}
                    </button>
                  ),
              },
            ]}
          />
        )}
      </Loaded>
    </section>
  );
}

export function PeoplePage() {
  const { t } = useI18n();
  return (
    <>
      <h1>{t('People and API keys')}</h1>
      <Users />
      <Invitations />
      <ApiKeys />
    </>
  );
}
