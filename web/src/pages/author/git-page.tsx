/**
 * The signed-in user's git repository (Couture's "Git Configuration"): link a repository (URL,
 * branch, folder, optional username and token — write-only, stored sealed), pull it now into
 * `git/<user>/` of the DAGs folder, see each pull (commit, files written and removed, the DAG
 * versions it created, import errors), and unlink. A refused repository (symlinks, escaping paths,
 * missing branch) is a message and writes nothing.
 */
import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, errorMessage } from '../../api/client';
import { deleteGitConfig, getGitConfig, pullGit, putGitConfig, type GitConfig, type GitConfigBody, type GitPull } from '../../api/platform-endpoints';
import { ConfirmDialog } from '../../components/dialog';
import { ErrorBox, Loading } from '../../components/status';
import { formatDateTime } from '../../lib/time';

interface Form {
  url: string;
  branch: string;
  path: string;
  username: string;
  /** undefined: keep the stored token; '': none. */
  token: string | undefined;
  removeToken: boolean;
  interval: string;
}

const formOf = (config: GitConfig | null): Form => ({
  url: config?.url ?? '',
  branch: config?.branch ?? 'main',
  path: config?.path ?? '',
  username: config?.username ?? '',
  token: undefined,
  removeToken: false,
  interval: config?.pull_interval_minutes ? String(config.pull_interval_minutes) : '',
});

/** The PUT body; the token is sent only when typed or removed, so saving other fields keeps it. */
export function gitBody(form: Form): GitConfigBody {
  const body: GitConfigBody = { url: form.url.trim(), branch: form.branch.trim(), path: form.path.trim(), pull_interval_minutes: form.interval.trim() === '' ? null : Number(form.interval) };
  if (form.username.trim()) body.username = form.username.trim();
  if (form.removeToken) body.token = null;
  else if (form.token) body.token = form.token;
  return body;
}

function PullSummary({ pull }: { pull: GitPull }) {
  return (
    <tr>
      <td className="small">{formatDateTime(pull.at)}</td>
      <td className="mono">{pull.commit.slice(0, 10)}</td>
      <td>{pull.trigger ?? ''}</td>
      <td className="num">{pull.written.length}</td>
      <td className="num">{pull.removed.length}</td>
      <td className="wrap">
        {pull.dag_versions.map((v) => (
          <div key={`${v.dag_id}@${v.version}`}>
            <Link to={`/dags/${encodeURIComponent(v.dag_id)}/code`}>{v.dag_id}</Link> <span className="muted mono small">{v.version.slice(0, 10)}</span>
          </div>
        ))}
      </td>
      <td className="wrap">{pull.import_errors?.length ? <span className="error-text">{pull.import_errors.join('; ')}</span> : '—'}</td>
    </tr>
  );
}

export function GitPage() {
  const config = useQuery({
    queryKey: ['git-config'],
    queryFn: async () => {
      try {
        return await getGitConfig();
      } catch (error) {
        // Not linked yet is a state of this page, not an error.
        if (error instanceof ApiError && error.status === 404 && /linked no|link one/.test(error.problem.detail)) return null;
        throw error;
      }
    },
  });
  if (config.isPending) return <Loading what="your git repository" />;
  if (config.isError) return <ErrorBox error={config.error} />;
  return <GitForm linked={config.data} />;
}

function GitForm({ linked }: { linked: GitConfig | null }) {
  const queryClient = useQueryClient();
  const [f, setForm] = useState<Form>(() => formOf(linked));
  const [unlinking, setUnlinking] = useState(false);
  const saved = (next: GitConfig | null) => {
    queryClient.setQueryData(['git-config'], next);
    setForm(formOf(next));
  };
  const save = useMutation({ mutationFn: (f: Form) => putGitConfig(gitBody(f)), onSuccess: saved });
  const pull = useMutation({ mutationFn: pullGit, onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['git-config'] }) });
  const unlink = useMutation({
    mutationFn: deleteGitConfig,
    onSuccess: () => {
      setUnlinking(false);
      saved(null);
    },
  });

  const update = (change: Partial<Form>) => setForm({ ...f, ...change });
  const intervalOk = f.interval.trim() === '' || /^\d+$/.test(f.interval.trim());
  return (
    <div className="page">
      <div className="page-head">
        <h1>Git repository</h1>
        <span className="grow" />
        {linked ? (
          <>
            <button type="button" className="button primary" disabled={pull.isPending} onClick={() => pull.mutate()}>
              {pull.isPending ? 'Pulling…' : 'Pull now'}
            </button>
            <button type="button" className="button danger" onClick={() => setUnlinking(true)}>
              Unlink
            </button>
          </>
        ) : null}
      </div>
      <p className="muted small">
        DAG files of the branch's folder are pulled into <code>git/{linked?.user ?? 'your-name'}/</code> of the DAGs folder; each DAG version they create records the commit. The token is stored sealed and never
        shown again.
      </p>
      {pull.isError ? <div className="callout error" role="alert">Pull failed, nothing written: {errorMessage(pull.error)}</div> : null}
      {pull.data ? (
        <div className="callout ok" role="status">
          Pulled {pull.data.commit.slice(0, 10)}: {pull.data.written.length} written, {pull.data.removed.length} removed, {pull.data.unchanged ?? 0} unchanged
          {pull.data.import_errors?.length ? `, ${pull.data.import_errors.length} import error(s)` : ''}.
        </div>
      ) : null}
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(f);
        }}
      >
        <div className="form-grid roomy">
          <label className="field">
            <span>Repository URL</span>
            <input className="mono" value={f.url} placeholder="https://github.com/acme/pipelines.git" onChange={(e) => update({ url: e.target.value })} required />
          </label>
          <label className="field">
            <span>Branch</span>
            <input className="mono" value={f.branch} onChange={(e) => update({ branch: e.target.value })} required />
          </label>
          <label className="field">
            <span>
              Folder <span className="hint">(in the repository; empty: its root)</span>
            </span>
            <input className="mono" value={f.path} placeholder="dags" onChange={(e) => update({ path: e.target.value })} />
          </label>
          <label className="field">
            <span>
              Username <span className="hint">(optional)</span>
            </span>
            <input value={f.username} onChange={(e) => update({ username: e.target.value })} />
          </label>
          <label className="field">
            <span>
              Access token <span className="hint">({linked?.token_set ? 'set; leave empty to keep it' : 'optional'})</span>
            </span>
            <input type="password" autoComplete="new-password" value={f.token ?? ''} disabled={f.removeToken} onChange={(e) => update({ token: e.target.value || undefined })} />
            {linked?.token_set ? (
              <label className="check small">
                <input type="checkbox" checked={f.removeToken} onChange={(e) => update({ removeToken: e.target.checked, token: undefined })} /> remove the stored token
              </label>
            ) : null}
          </label>
          <label className="field">
            <span>
              Pull every <span className="hint">(minutes; empty: only on demand)</span>
            </span>
            <input value={f.interval} inputMode="numeric" onChange={(e) => update({ interval: e.target.value })} aria-invalid={!intervalOk} />
          </label>
        </div>
        {save.isError ? <div className="callout error" role="alert">Not saved: {errorMessage(save.error)}</div> : null}
        {save.isSuccess ? <div className="callout ok" role="status">Saved.</div> : null}
        <div className="row">
          <button type="submit" className="button primary" disabled={save.isPending || !intervalOk || !f.url.trim() || !f.branch.trim()}>
            {linked ? 'Save' : 'Link repository'}
          </button>
        </div>
      </form>
      {linked ? (
        <section className="section">
          <h2>Pulls</h2>
          {linked.pulls.length === 0 ? (
            <p className="muted">No pull yet.</p>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Commit</th>
                    <th>By</th>
                    <th className="num">Written</th>
                    <th className="num">Removed</th>
                    <th>DAG versions</th>
                    <th>Import errors</th>
                  </tr>
                </thead>
                <tbody>
                  {linked.pulls.map((p) => (
                    <PullSummary key={`${p.at}-${p.commit}`} pull={p} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ) : null}
      {unlinking ? (
        <ConfirmDialog title="Unlink the repository?" confirmLabel="Unlink" danger busy={unlink.isPending} onConfirm={() => unlink.mutate()} onClose={() => setUnlinking(false)}>
          <p>Files already pulled stay in the DAGs folder; scheduled pulls stop and the stored token is deleted.</p>
          {unlink.isError ? <div className="callout error">{errorMessage(unlink.error)}</div> : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
