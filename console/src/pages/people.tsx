/** People (roles, invitations by link) and API keys (created — shown once —, named, revoked). */
import { useState, type FormEvent } from 'react';
import { ApiError, del, get, patch, post } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import type { ApiKey, Role, User } from '../types.ts';
import { ErrorBox, Loaded, Secret, useAction, useLoad, When } from '../ui.tsx';

const ROLES: Role[] = ['owner', 'admin', 'marketer', 'read-only'];

interface Invitation {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  expiresAt?: string;
}

function RoleSelect({ value, onChange, label, allowOwner }: { value: Role; onChange: (role: Role) => void; label: string; allowOwner: boolean }) {
  const { t } = useI18n();
  return (
    <label className="field inline">
      <span className="visually-hidden">{label}</span>
      <select value={value} aria-label={label} onChange={(event) => onChange(event.target.value as Role)}>
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
          <table>
            <thead>
              <tr>
                <th scope="col">{t('Email')}</th>
                <th scope="col">{t('Name')}</th>
                <th scope="col">{t('Role')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('Actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((user) => (
                <tr key={user.id}>
                  <td>{user.email}</td>
                  <td>{user.name ?? '—'}</td>
                  <td>
                    {user.id === me.id ? t(user.role) : <RoleSelect value={user.role} label={t('Role of {email}', { email: user.email })} allowOwner={me.role === 'owner'} onChange={(role) => change.run(user.id, role)} />}
                  </td>
                  <td>
                    {user.id !== me.id ? (
                      <button type="button" className="danger" onClick={() => remove.run(user)}>
                        {t('Remove')}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
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
        <label className="field">
          <span>{t('Role')}</span>
          <select value={role} onChange={(event) => setRole(event.target.value as Role)}>
            {ROLES.filter((candidate) => me.role === 'owner' || candidate !== 'owner').map((candidate) => (
              <option key={candidate} value={candidate}>
                {t(candidate)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={invite.busy}>
          {t('Create the invitation link')}
        </button>
      </form>
      <ErrorBox error={invite.error ?? revoke.error} />
      {link ? (
        <div aria-live="polite" data-testid="invitation-link">
          <p>{t('Send this link to the person you invite; it works once.')}</p>
          <Secret label={t('Invitation link')} value={link} />
        </div>
      ) : null}
      <Loaded state={invitations}>
        {(list) =>
          list.items.length === 0 ? null : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('Email')}</th>
                  <th scope="col">{t('Role')}</th>
                  <th scope="col">{t('Created')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('Actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((invitation) => (
                  <tr key={invitation.id}>
                    <td>{invitation.email}</td>
                    <td>{t(invitation.role)}</td>
                    <td>
                      <When at={invitation.createdAt} />
                    </td>
                    <td>
                      <button type="button" className="secondary" onClick={() => revoke.run(invitation.id)}>
                        {t('Revoke')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
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
      {created ? (
        <div aria-live="polite">
          <p className="warning-text">{t('Copy the key now: the hub never shows it again.')}</p>
          <Secret label={created.name} value={created.key} />
        </div>
      ) : null}
      <form onSubmit={submit} className="row">
        <label className="field">
          <span>{t('Name')}</span>
          <input value={name} required onChange={(event) => setName(event.target.value)} placeholder="zapier" />
        </label>
        <label className="field">
          <span>{t('Role')}</span>
          <select value={role} onChange={(event) => setRole(event.target.value as Role)}>
            {ROLES.filter((candidate) => candidate !== 'owner').map((candidate) => (
              <option key={candidate} value={candidate}>
                {t(candidate)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={create.busy}>
          {t('Create a key')}
        </button>
      </form>
      <ErrorBox error={create.error ?? revoke.error} />
      <Loaded state={keys}>
        {(list) => (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('Name')}</th>
                <th scope="col">{t('Starts with')}</th>
                <th scope="col">{t('Role')}</th>
                <th scope="col">{t('Last used')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('Actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix ?? ''}…</code>
                  </td>
                  <td>{key.role ? t(key.role) : '—'}</td>
                  <td>
                    <When at={key.lastUsedAt} />
                  </td>
                  <td>
                    {key.revokedAt ? (
                      <span className="muted">{t('revoked')}</span>
                    ) : (
                      <button type="button" className="danger" onClick={() => revoke.run(key)}>
                        {t('Revoke')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
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
