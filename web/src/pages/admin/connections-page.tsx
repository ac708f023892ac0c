/**
 * Connections (Op): list, create, edit, delete. The password is write-only (never shown; typing one
 * replaces it); `extra` comes back with sensitive keys masked, so editing it is explicit.
 */
import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { createConnection, deleteConnection, getConnection, listConnections, updateConnection, type ConnectionInput } from '../../api/endpoints';
import type { Connection } from '../../api/types';
import { useSession } from '../../auth/session';
import { ConfirmDialog, Dialog } from '../../components/dialog';
import { LIST_PAGE_SIZE, Pager, useListParams } from '../../components/list-tools';
import { Empty, ErrorBox, Loading } from '../../components/status';

const FIELDS = ['conn_type', 'host', 'schema', 'login', 'port', 'description'] as const;
type Field = (typeof FIELDS)[number];

function ConnectionDialog({ existingId, onClose }: { existingId: string | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const existing = useQuery({ queryKey: ['connection', existingId], queryFn: () => getConnection(existingId!), enabled: existingId !== null, gcTime: 0 });
  const [form, setForm] = useState<Record<string, string>>({});
  const [editExtra, setEditExtra] = useState(existingId === null);
  const base = existing.data;
  const value = (k: string) => form[k] ?? (base ? String((base as unknown as Record<string, unknown>)[k] ?? '') : '');
  const save = useMutation({
    mutationFn: async () => {
      const id = (form.connection_id ?? '').trim();
      const body: Partial<ConnectionInput> = {};
      for (const f of FIELDS) {
        if (form[f] === undefined) continue;
        if (f === 'port') body.port = form.port ? Number(form.port) : null;
        else (body as Record<Field, string | null>)[f] = form[f] || null;
      }
      if (form.password) body.password = form.password;
      if (editExtra && form.extra !== undefined) body.extra = form.extra || null;
      if (!existingId) return createConnection({ connection_id: id, conn_type: form.conn_type ?? '', ...body });
      // Only what was changed is sent: the masked extra and the unseen password stay as they are otherwise.
      return updateConnection(existingId, { connection_id: existingId, ...body });
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['connections'] });
      onClose();
    },
  });
  const input = (key: string, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <label className="field">
      <span>{label}</span>
      <input value={value(key)} onChange={(e) => setForm({ ...form, [key]: e.target.value })} {...props} />
    </label>
  );
  return (
    <Dialog
      title={existingId ? `Edit ${existingId}` : 'New connection'}
      wide
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" disabled={save.isPending || (!existingId && (!form.connection_id || !form.conn_type))} onClick={() => save.mutate()}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      {existingId && existing.isPending ? <Loading what="the connection" /> : null}
      <div className="form-grid">
        {existingId ? (
          <label className="field">
            <span>Connection id</span>
            <input value={existingId} disabled />
          </label>
        ) : (
          input('connection_id', 'Connection id')
        )}
        {input('conn_type', 'Type', { placeholder: 'postgres, http, aws, …' })}
        {input('host', 'Host')}
        {input('schema', 'Schema')}
        {input('login', 'Login', { autoComplete: 'off' })}
        {input('password', existingId ? 'Password (leave empty to keep)' : 'Password', { type: 'password', autoComplete: 'new-password' })}
        {input('port', 'Port', { type: 'number' })}
        {input('description', 'Description')}
      </div>
      <label className="field">
        <span>
          Extra (JSON){' '}
          {existingId && !editExtra ? (
            <button type="button" className="button small" onClick={() => setEditExtra(true)}>
              Replace…
            </button>
          ) : null}
        </span>
        {editExtra ? (
          <textarea rows={4} value={form.extra ?? ''} onChange={(e) => setForm({ ...form, extra: e.target.value })} placeholder='{"region_name": "eu-west-1"}' />
        ) : (
          <pre className="value">{base?.extra ?? '—'}</pre>
        )}
        {existingId && editExtra ? <span className="hint">The new extra replaces the stored one entirely (its hidden values too).</span> : null}
      </label>
      {save.isError ? <div className="callout error" role="alert">{errorMessage(save.error)}</div> : null}
    </Dialog>
  );
}

export function ConnectionsPage() {
  const session = useSession();
  const list = useListParams();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<string | null | 'new'>(null);
  const [deleting, setDeleting] = useState<Connection | null>(null);
  const connections = useQuery({ queryKey: ['connections', list.offset], queryFn: () => listConnections({ limit: LIST_PAGE_SIZE, offset: list.offset }), placeholderData: keepPreviousData });
  const remove = useMutation({
    mutationFn: (c: Connection) => deleteConnection(c.connection_id),
    onSuccess: () => {
      setDeleting(null);
      void queryClient.invalidateQueries({ queryKey: ['connections'] });
    },
  });
  return (
    <div className="page">
      <div className="page-head">
        <h1>Connections</h1>
        <span className="grow" />
        {session.can('create:connections') ? (
          <button type="button" className="button primary" onClick={() => setEditing('new')}>
            New connection
          </button>
        ) : null}
      </div>
      <p className="muted small">Passwords are stored encrypted and never shown; tasks read them through their connection id.</p>
      {connections.isPending ? <Loading what="connections" /> : null}
      {connections.isError ? <ErrorBox error={connections.error} /> : null}
      {connections.data && connections.data.connections.length === 0 ? <Empty>No connections yet.</Empty> : null}
      {connections.data?.connections.length ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Id</th>
                <th>Type</th>
                <th>Host</th>
                <th>Schema</th>
                <th>Login</th>
                <th className="num">Port</th>
                <th>Description</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {connections.data.connections.map((c) => (
                <tr key={c.connection_id}>
                  <td className="mono">{c.connection_id}</td>
                  <td>{c.conn_type}</td>
                  <td className="wrap">{c.host}</td>
                  <td>{c.schema}</td>
                  <td>{c.login}</td>
                  <td className="num">{c.port}</td>
                  <td className="wrap">{c.description}</td>
                  <td className="actions">
                    {session.can('edit:connections') ? (
                      <button type="button" className="button small" onClick={() => setEditing(c.connection_id)}>
                        Edit
                      </button>
                    ) : null}{' '}
                    {session.can('delete:connections') ? (
                      <button type="button" className="button small danger" onClick={() => setDeleting(c)}>
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
      {connections.data ? <Pager page={list.page} total={connections.data.total_entries} onPage={(p) => list.set({ page: String(p) })} /> : null}
      {editing ? <ConnectionDialog existingId={editing === 'new' ? null : editing} onClose={() => setEditing(null)} /> : null}
      {deleting ? (
        <ConfirmDialog title={`Delete ${deleting.connection_id}?`} confirmLabel="Delete" danger busy={remove.isPending} onConfirm={() => remove.mutate(deleting)} onClose={() => setDeleting(null)}>
          <p>Tasks using this connection will fail until it exists again.</p>
          {remove.isError ? <div className="callout error">{errorMessage(remove.error)}</div> : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
