/** Pools (Op): slots and how they are used right now; create, resize, delete. */
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { createPool, deletePool, listPools, updatePool } from '../../api/endpoints';
import type { Pool } from '../../api/types';
import { useSession } from '../../auth/session';
import { ConfirmDialog, Dialog } from '../../components/dialog';
import { ErrorBox, Loading } from '../../components/status';

function PoolDialog({ existing, onClose }: { existing: Pool | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(existing?.name ?? '');
  const [slots, setSlots] = useState(String(existing?.slots ?? 16));
  const [description, setDescription] = useState(existing?.description ?? '');
  const valid = name.trim() !== '' && /^-?\d+$/.test(slots.trim());
  const save = useMutation({
    mutationFn: () =>
      existing ? updatePool(existing.name, { name: existing.name, slots: Number(slots), description: description || null }) : createPool({ name: name.trim(), slots: Number(slots), description: description || null }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['pools'] });
      onClose();
    },
  });
  return (
    <Dialog
      title={existing ? `Edit pool ${existing.name}` : 'New pool'}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" disabled={!valid || save.isPending} onClick={() => save.mutate()}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} disabled={Boolean(existing)} />
      </label>
      <label className="field">
        <span>
          Slots <span className="hint">(-1: unlimited)</span>
        </span>
        <input type="number" value={slots} onChange={(e) => setSlots(e.target.value)} />
      </label>
      <label className="field">
        <span>Description</span>
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      {save.isError ? <div className="callout error" role="alert">{errorMessage(save.error)}</div> : null}
    </Dialog>
  );
}

export function PoolsPage() {
  const session = useSession();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Pool | null | 'new'>(null);
  const [deleting, setDeleting] = useState<Pool | null>(null);
  const pools = useQuery({ queryKey: ['pools'], queryFn: () => listPools({ limit: 100 }), refetchInterval: 5_000 });
  const remove = useMutation({
    mutationFn: (p: Pool) => deletePool(p.name),
    onSuccess: () => {
      setDeleting(null);
      void queryClient.invalidateQueries({ queryKey: ['pools'] });
    },
  });
  return (
    <div className="page">
      <div className="page-head">
        <h1>Pools</h1>
        <span className="grow" />
        {session.can('create:pools') ? (
          <button type="button" className="button primary" onClick={() => setEditing('new')}>
            New pool
          </button>
        ) : null}
      </div>
      <p className="muted small">A task takes its pool_slots from its pool before it starts; tasks wait while the pool is full.</p>
      {pools.isPending ? <Loading what="pools" /> : null}
      {pools.isError ? <ErrorBox error={pools.error} /> : null}
      {pools.data ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Pool</th>
                <th className="num">Slots</th>
                <th className="num">Running</th>
                <th className="num">Queued</th>
                <th className="num">Open</th>
                <th>Description</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {pools.data.pools.map((p) => (
                <tr key={p.name}>
                  <td className="mono">{p.name}</td>
                  <td className="num">{p.slots < 0 ? '∞' : p.slots}</td>
                  <td className="num">{p.running_slots}</td>
                  <td className="num">{p.queued_slots}</td>
                  <td className="num">{p.open_slots < 0 ? '∞' : p.open_slots}</td>
                  <td className="wrap">{p.description}</td>
                  <td className="actions">
                    {session.can('edit:pools') ? (
                      <button type="button" className="button small" onClick={() => setEditing(p)}>
                        Edit
                      </button>
                    ) : null}{' '}
                    {session.can('delete:pools') && p.name !== 'default_pool' ? (
                      <button type="button" className="button small danger" onClick={() => setDeleting(p)}>
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
      {editing ? <PoolDialog existing={editing === 'new' ? null : editing} onClose={() => setEditing(null)} /> : null}
      {deleting ? (
        <ConfirmDialog title={`Delete pool ${deleting.name}?`} confirmLabel="Delete" danger busy={remove.isPending} onConfirm={() => remove.mutate(deleting)} onClose={() => setDeleting(null)}>
          <p>Tasks assigned to this pool will wait until a pool of that name exists again.</p>
          {remove.isError ? <div className="callout error">{errorMessage(remove.error)}</div> : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
