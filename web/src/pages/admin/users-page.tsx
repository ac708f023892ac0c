/** Users and roles (Admin): create users with a role, change roles, disable, reset a password, delete; what each role may do. */
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { createUser, deleteUser, listRoles, listUsers, updateUser } from '../../api/endpoints';
import type { User } from '../../api/types';
import { useSession } from '../../auth/session';
import { ConfirmDialog, Dialog } from '../../components/dialog';
import { ErrorBox, Loading } from '../../components/status';
import { formatDateTime } from '../../lib/time';

const ROLE_NAMES = ['Admin', 'Op', 'User', 'Viewer', 'Public'];

function UserDialog({ existing, onClose }: { existing: User | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    username: existing?.username ?? '',
    email: existing?.email ?? '',
    first_name: existing?.first_name ?? '',
    last_name: existing?.last_name ?? '',
    password: '',
    role: existing?.roles[0]?.name ?? 'Viewer',
    active: existing?.active ?? true,
  });
  const set = (k: keyof typeof form, v: string | boolean) => setForm({ ...form, [k]: v });
  const save = useMutation({
    mutationFn: () => {
      const base = { username: form.username.trim(), email: form.email.trim(), first_name: form.first_name, last_name: form.last_name, roles: [{ name: form.role }] };
      if (!existing) return createUser({ ...base, password: form.password });
      const changes: Record<string, unknown> = { email: base.email, first_name: base.first_name, last_name: base.last_name, roles: base.roles, active: form.active };
      const mask = ['email', 'first_name', 'last_name', 'roles', 'active'];
      if (form.password) {
        changes.password = form.password;
        mask.push('password');
      }
      return updateUser(existing.username, changes, mask);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      onClose();
    },
  });
  const field = (k: 'username' | 'email' | 'first_name' | 'last_name' | 'password', label: string, type = 'text') => (
    <label className="field">
      <span>{label}</span>
      <input type={type} value={form[k]} disabled={k === 'username' && Boolean(existing)} autoComplete={type === 'password' ? 'new-password' : 'off'} onChange={(e) => set(k, e.target.value)} />
    </label>
  );
  return (
    <Dialog
      title={existing ? `Edit ${existing.username}` : 'New user'}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" disabled={save.isPending || !form.username || !form.email || (!existing && !form.password)} onClick={() => save.mutate()}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <div className="form-grid">
        {field('username', 'Username')}
        {field('email', 'Email')}
        {field('first_name', 'First name')}
        {field('last_name', 'Last name')}
        {field('password', existing ? 'New password (leave empty to keep)' : 'Password', 'password')}
        <label className="field">
          <span>Role</span>
          <select value={form.role} onChange={(e) => set('role', e.target.value)}>
            {ROLE_NAMES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
      </div>
      {existing ? (
        <label className="check">
          <input type="checkbox" checked={form.active} onChange={(e) => set('active', e.target.checked)} /> Active (can sign in)
        </label>
      ) : null}
      <p className="muted small">Changing a user's password, role or active flag signs them out everywhere.</p>
      {save.isError ? <div className="callout error pre-line" role="alert">{errorMessage(save.error)}</div> : null}
    </Dialog>
  );
}

export function UsersPage() {
  const session = useSession();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<User | null | 'new'>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const users = useQuery({ queryKey: ['users'], queryFn: () => listUsers({ limit: 100, order_by: 'username' }) });
  const roles = useQuery({ queryKey: ['roles'], queryFn: listRoles, staleTime: Infinity });
  const remove = useMutation({
    mutationFn: (u: User) => deleteUser(u.username),
    onSuccess: () => {
      setDeleting(null);
      void queryClient.invalidateQueries({ queryKey: ['users'] });
    },
  });
  return (
    <div className="page">
      <div className="page-head">
        <h1>Users</h1>
        <span className="grow" />
        {session.can('create:users') ? (
          <button type="button" className="button primary" onClick={() => setEditing('new')}>
            New user
          </button>
        ) : null}
      </div>
      {users.isPending ? <Loading what="users" /> : null}
      {users.isError ? <ErrorBox error={users.error} /> : null}
      {users.data ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Username</th>
                <th>Name</th>
                <th>Email</th>
                <th>Role</th>
                <th>Active</th>
                <th>Last login</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((u) => (
                <tr key={u.username}>
                  <td className="mono">{u.username}</td>
                  <td>
                    {u.first_name} {u.last_name}
                  </td>
                  <td>{u.email}</td>
                  <td>{u.roles.map((r) => r.name).join(', ')}</td>
                  <td>{u.active ? 'yes' : 'no'}</td>
                  <td className="nowrap">{formatDateTime(u.last_login)}</td>
                  <td className="actions">
                    {session.can('edit:users') ? (
                      <button type="button" className="button small" onClick={() => setEditing(u)}>
                        Edit
                      </button>
                    ) : null}{' '}
                    {session.can('delete:users') && u.username !== session.me?.username ? (
                      <button type="button" className="button small danger" onClick={() => setDeleting(u)}>
                        Delete
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      <h2>Roles</h2>
      <p className="muted small">Roles are cumulative, as in Airflow: each holds everything the role before it holds.</p>
      {roles.data ? (
        <div className="roles">
          {roles.data.roles.map((r) => (
            <section key={r.name} className="card">
              <h3>{r.name}</h3>
              {r.actions.length ? (
                <div className="chips">
                  {r.actions.map((a) => (
                    <span key={`${a.action.name}:${a.resource.name}`} className="chip">
                      {a.action.name.replace(/^can_/, '')} {a.resource.name.replace(/_/g, ' ')}
                    </span>
                  ))}
                </div>
              ) : (
                <p className="muted small">Can sign in, nothing else.</p>
              )}
            </section>
          ))}
        </div>
      ) : null}
      {editing ? <UserDialog existing={editing === 'new' ? null : editing} onClose={() => setEditing(null)} /> : null}
      {deleting ? (
        <ConfirmDialog title={`Delete ${deleting.username}?`} confirmLabel="Delete" danger busy={remove.isPending} onConfirm={() => remove.mutate(deleting)} onClose={() => setDeleting(null)}>
          <p>They can no longer sign in; their past actions stay in the audit log.</p>
          {remove.isError ? <div className="callout error">{errorMessage(remove.error)}</div> : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
