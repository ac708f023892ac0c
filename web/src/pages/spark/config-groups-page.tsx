/**
 * Spark config groups (Couture's "Spark Hadoop Config Groups"): every group with where its jobs run,
 * which one is the default, whether Kerberos and Livy credentials are set; make default, delete,
 * export all as configs.tar.gz (never with secrets) and import such an archive (checked whole by the
 * server first: a bad archive changes nothing). Each group opens in its own editor page.
 */
import { useRef, useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { deleteConfigGroup, exportConfigGroups, importConfigGroups, listConfigGroups, makeDefaultConfigGroup, type ConfigGroup } from '../../api/platform-endpoints';
import { useSession } from '../../auth/session';
import { ConfirmDialog } from '../../components/dialog';
import { Empty, ErrorBox, Loading } from '../../components/status';
import { download } from '../../lib/download';
import { engineSummary } from '../../lib/spark-groups';
import { formatDateTime } from '../../lib/time';

export function ConfigGroupsPage() {
  const session = useSession();
  const queryClient = useQueryClient();
  const canEdit = session.can('edit:config_groups');
  const [deleting, setDeleting] = useState<ConfigGroup | null>(null);
  const archiveInput = useRef<HTMLInputElement>(null);
  const groups = useQuery({ queryKey: ['config-groups'], queryFn: listConfigGroups });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['config-groups'] });
  const makeDefault = useMutation({ mutationFn: makeDefaultConfigGroup, onSuccess: refresh });
  const remove = useMutation({
    mutationFn: (g: ConfigGroup) => deleteConfigGroup(g.name),
    onSuccess: () => {
      setDeleting(null);
      refresh();
    },
  });
  const exporting = useMutation({ mutationFn: exportConfigGroups, onSuccess: (blob) => download(blob, 'configs.tar.gz') });
  const importing = useMutation({ mutationFn: importConfigGroups, onSuccess: refresh });
  return (
    <div className="page">
      <div className="page-head">
        <h1>Config groups</h1>
        <span className="grow" />
        <button type="button" className="button" disabled={exporting.isPending} onClick={() => exporting.mutate()}>
          Export
        </button>
        {canEdit ? (
          <>
            <button type="button" className="button" disabled={importing.isPending} onClick={() => archiveInput.current?.click()}>
              {importing.isPending ? 'Importing…' : 'Import'}
            </button>
            <input
              ref={archiveInput}
              type="file"
              accept=".tar.gz,.tgz,application/gzip"
              hidden
              data-testid="config-archive-input"
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file) importing.mutate(file);
              }}
            />
            <Link className="button primary" to="/config-groups/new">
              New group
            </Link>
          </>
        ) : null}
      </div>
      <p className="muted small">
        A Spark task runs with the config group it names (<code>config_group=</code>) or with the default one. Changes apply to tasks started afterwards. Keytabs and Livy passwords are stored sealed
        and never shown; exports never contain them.
      </p>
      {exporting.isError ? <ErrorBox error={exporting.error} title="Export failed" /> : null}
      {importing.isError ? <div className="callout error" role="alert">Import refused, nothing changed: {errorMessage(importing.error)}</div> : null}
      {importing.data ? <div className="callout ok" role="status">Imported {importing.data.imported.length ? importing.data.imported.join(', ') : 'nothing'}.</div> : null}
      {groups.isPending ? <Loading what="config groups" /> : null}
      {groups.isError ? <ErrorBox error={groups.error} /> : null}
      {groups.data && groups.data.config_groups.length === 0 ? <Empty>No config group yet: Spark tasks run with spark-submit on this machine.</Empty> : null}
      {groups.data && groups.data.config_groups.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Group</th>
                <th>Runs on</th>
                <th>Kerberos</th>
                <th>Hadoop files</th>
                <th>Updated</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {groups.data.config_groups.map((g) => (
                <tr key={g.name}>
                  <td>
                    <Link className="mono" to={`/config-groups/${encodeURIComponent(g.name)}`}>
                      {g.name}
                    </Link>{' '}
                    {g.is_default ? <span className="pill ok">default</span> : null}
                    {g.description ? <div className="muted small">{g.description}</div> : null}
                  </td>
                  <td className="wrap">{engineSummary(g.engine)}</td>
                  <td className="wrap">{g.kerberos.principal ? `${g.kerberos.principal}${g.keytab_set ? ' · keytab set' : ''}` : g.keytab_set ? 'keytab set' : '—'}</td>
                  <td className="mono small">{Object.keys(g.hadoop).join(', ') || '—'}</td>
                  <td className="small">{g.updated_at ? formatDateTime(g.updated_at) : ''}</td>
                  <td className="actions">
                    {canEdit && !g.is_default ? (
                      <button type="button" className="button small" disabled={makeDefault.isPending} onClick={() => makeDefault.mutate(g.name)}>
                        Make default
                      </button>
                    ) : null}{' '}
                    {canEdit && !g.is_default ? (
                      <button type="button" className="button small danger" onClick={() => setDeleting(g)}>
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
      {makeDefault.isError ? <ErrorBox error={makeDefault.error} /> : null}
      {deleting ? (
        <ConfirmDialog title={`Delete config group ${deleting.name}?`} confirmLabel="Delete" danger busy={remove.isPending} onConfirm={() => remove.mutate(deleting)} onClose={() => setDeleting(null)}>
          <p>Tasks that name this group will fail until a group of that name exists again. Its keytab and Livy password are deleted with it.</p>
          {remove.isError ? <div className="callout error">{errorMessage(remove.error)}</div> : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
