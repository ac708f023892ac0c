/**
 * Variables (Op): list with sensitive values masked by the API, create, edit (a masked value is only
 * replaced when a new one is typed), delete, and JSON import/export in Airflow's format.
 */
import { useRef, useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { createVariable, deleteVariable, listVariables, updateVariable } from '../../api/endpoints';
import type { Variable } from '../../api/types';
import { useSession } from '../../auth/session';
import { ConfirmDialog, Dialog } from '../../components/dialog';
import { LIST_PAGE_SIZE, Pager, useListParams } from '../../components/list-tools';
import { Empty, ErrorBox, Loading } from '../../components/status';
import { download } from '../../lib/download';
import { MASKED, exportVariables, planImport } from '../../lib/variables-io';

async function allVariables(): Promise<Variable[]> {
  const out: Variable[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await listVariables({ limit: 100, offset });
    out.push(...page.variables);
    if (out.length >= page.total_entries || page.variables.length === 0) return out;
  }
}

function VariableDialog({ existing, onClose }: { existing: Variable | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const masked = existing?.value === MASKED;
  const [key, setKey] = useState(existing?.key ?? '');
  const [value, setValue] = useState(masked ? '' : (existing?.value ?? ''));
  const [description, setDescription] = useState(existing?.description ?? '');
  const save = useMutation({
    mutationFn: async () => {
      if (!existing) return createVariable({ key: key.trim(), value, description: description || null });
      // Only what changed is sent: a masked value stays as it is unless a new one was typed.
      const changes: { key: string; value?: string; description?: string | null } = { key: existing.key };
      const mask: string[] = [];
      if (!(masked && value === '') && value !== existing.value) {
        changes.value = value;
        mask.push('value');
      }
      if ((description || null) !== existing.description) {
        changes.description = description || null;
        mask.push('description');
      }
      if (mask.length === 0) return existing;
      return updateVariable(existing.key, changes, mask);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['variables'] });
      onClose();
    },
  });
  return (
    <Dialog
      title={existing ? `Edit ${existing.key}` : 'New variable'}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" disabled={!key.trim() || save.isPending} onClick={() => save.mutate()}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <label className="field">
        <span>Key</span>
        <input value={key} onChange={(e) => setKey(e.target.value)} disabled={Boolean(existing)} />
      </label>
      <label className="field">
        <span>
          Value {masked ? <span className="hint">— hidden (the key looks sensitive); leave empty to keep it</span> : null}
        </span>
        <textarea rows={5} value={value} onChange={(e) => setValue(e.target.value)} placeholder={masked ? 'unchanged' : ''} />
      </label>
      <label className="field">
        <span>Description</span>
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      {save.isError ? <div className="callout error" role="alert">{errorMessage(save.error)}</div> : null}
    </Dialog>
  );
}

export function VariablesPage() {
  const session = useSession();
  const list = useListParams();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Variable | null | 'new'>(null);
  const [deleting, setDeleting] = useState<Variable | null>(null);
  const [report, setReport] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const file = useRef<HTMLInputElement>(null);
  const variables = useQuery({ queryKey: ['variables', list.offset], queryFn: () => listVariables({ limit: LIST_PAGE_SIZE, offset: list.offset, order_by: 'key' }), placeholderData: keepPreviousData });
  const remove = useMutation({
    mutationFn: (v: Variable) => deleteVariable(v.key),
    onSuccess: () => {
      setDeleting(null);
      void queryClient.invalidateQueries({ queryKey: ['variables'] });
    },
  });
  const canWrite = session.can('create:variables');

  const doExport = async () => {
    download(new Blob([exportVariables(await allVariables())], { type: 'application/json' }), 'variables.json');
  };
  const doImport = async (f: File) => {
    const plan = planImport(await f.text());
    if (plan.errors.length) return setReport({ kind: 'error', text: plan.errors.join('\n') });
    const failed: string[] = [];
    for (const v of plan.upserts) {
      try {
        await createVariable(v);
      } catch (error) {
        failed.push(`${v.key}: ${errorMessage(error)}`);
      }
    }
    void queryClient.invalidateQueries({ queryKey: ['variables'] });
    const parts = [`Imported ${plan.upserts.length - failed.length} of ${plan.upserts.length} variable(s).`];
    if (plan.skippedMasked.length) parts.push(`Skipped ${plan.skippedMasked.length} hidden value(s) (${plan.skippedMasked.join(', ')}): an export never holds secrets, so they were left as they are.`);
    if (failed.length) parts.push(`Failed:\n${failed.join('\n')}`);
    setReport({ kind: failed.length ? 'error' : 'ok', text: parts.join('\n') });
  };

  return (
    <div className="page">
      <div className="page-head">
        <h1>Variables</h1>
        <span className="grow" />
        <button type="button" className="button" onClick={() => void doExport()}>
          Export JSON
        </button>
        {canWrite ? (
          <>
            <button type="button" className="button" onClick={() => file.current?.click()}>
              Import JSON…
            </button>
            <input
              ref={file}
              type="file"
              accept="application/json,.json"
              hidden
              aria-label="Variables JSON file"
              onChange={(e) => {
                const f = e.target.files?.[0];
                e.target.value = '';
                if (f) void doImport(f);
              }}
            />
            <button type="button" className="button primary" onClick={() => setEditing('new')}>
              New variable
            </button>
          </>
        ) : null}
      </div>
      {report ? <div className={`callout ${report.kind === 'ok' ? 'ok' : 'error'} pre-line`} role="status">{report.text}</div> : null}
      {variables.isPending ? <Loading what="variables" /> : null}
      {variables.isError ? <ErrorBox error={variables.error} /> : null}
      {variables.data && variables.data.variables.length === 0 ? <Empty>No variables yet.</Empty> : null}
      {variables.data?.variables.length ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Key</th>
                <th>Value</th>
                <th>Description</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {variables.data.variables.map((v) => (
                <tr key={v.key}>
                  <td className="mono">{v.key}</td>
                  <td className="mono small wrap">{v.value === MASKED ? <span className="muted" title="Hidden: the key looks sensitive">••••••</span> : v.value}</td>
                  <td className="wrap">{v.description}</td>
                  <td className="actions">
                    {session.can('edit:variables') ? (
                      <button type="button" className="button small" onClick={() => setEditing(v)}>
                        Edit
                      </button>
                    ) : null}{' '}
                    {session.can('delete:variables') ? (
                      <button type="button" className="button small danger" onClick={() => setDeleting(v)}>
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
      {variables.data ? <Pager page={list.page} total={variables.data.total_entries} onPage={(p) => list.set({ page: String(p) })} /> : null}
      {editing ? <VariableDialog existing={editing === 'new' ? null : editing} onClose={() => setEditing(null)} /> : null}
      {deleting ? (
        <ConfirmDialog title={`Delete ${deleting.key}?`} confirmLabel="Delete" danger busy={remove.isPending} onConfirm={() => remove.mutate(deleting)} onClose={() => setDeleting(null)}>
          <p>Tasks reading this variable will fail until it exists again.</p>
          {remove.isError ? <div className="callout error">{errorMessage(remove.error)}</div> : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
