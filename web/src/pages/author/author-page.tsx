/** Authoring, the start: create a DAG file in the browser, upload one, or pick a DAG to edit. */
import { useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { ApiError, errorMessage } from '../../api/client';
import { listDags, uploadDagFile } from '../../api/endpoints';
import type { Diagnostic } from '../../api/types';
import { Loading } from '../../components/status';
import { dagUrl, withQuery } from '../../lib/links';

const NAME = /^[A-Za-z0-9_-]+$/;

export function AuthorPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'py' | 'yaml'>('py');
  const file = useRef<HTMLInputElement>(null);
  const dags = useQuery({ queryKey: ['dags', 'author'], queryFn: () => listDags({ limit: 100, order_by: 'dag_id' }) });
  const upload = useMutation({
    mutationFn: uploadDagFile,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['dags'] }),
  });
  const diagnostics: Diagnostic[] = upload.error instanceof ApiError ? (upload.error.problem.diagnostics ?? []) : [];
  const nameOk = NAME.test(name);

  return (
    <div className="page">
      <h1>Author DAGs</h1>
      <div className="details-grid">
        <section className="card">
          <h2>Create a DAG</h2>
          <p className="muted small">Write it here with live checks as you type, a graph preview and code bricks; nothing is stored until you review and save.</p>
          <div className="row">
            <input aria-label="New file name" placeholder="daily_sales" value={name} onChange={(e) => setName(e.target.value)} />
            <select aria-label="File type" value={kind} onChange={(e) => setKind(e.target.value as 'py' | 'yaml')}>
              <option value="py">.py (Airflow Python)</option>
              <option value="yaml">.yaml (dag-factory)</option>
            </select>
            <button type="button" className="button primary" disabled={!nameOk} onClick={() => navigate(withQuery('/author/new', { file: `${name}.${kind}` }))}>
              Start editing
            </button>
          </div>
          {name && !nameOk ? <p className="small" style={{ color: 'var(--danger)' }}>Use letters, digits, _ and - only.</p> : null}
        </section>
        <section className="card">
          <h2>Upload a DAG file</h2>
          <p className="muted small">A .py or .yaml file is checked before it is stored: a file with errors is refused with each error at line:col.</p>
          <input
            ref={file}
            type="file"
            accept=".py,.yaml,.yml"
            aria-label="DAG file to upload"
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) upload.mutate(f);
            }}
          />
          {upload.isPending ? <Loading what="the upload" /> : null}
          {upload.data ? (
            <div className="callout ok" role="status">
              Stored <code>{upload.data.filename}</code>:{' '}
              {upload.data.dags.map((d) => (
                <Link key={d.dag_id} to={dagUrl(d.dag_id)}>
                  {d.dag_id}
                </Link>
              ))}{' '}
              ({upload.data.dags.reduce((n, d) => n + d.tasks, 0)} tasks). New DAGs start paused.
            </div>
          ) : null}
          {upload.isError ? (
            <div className="callout error" role="alert">
              <strong>{diagnostics.length ? 'The file was not stored:' : errorMessage(upload.error)}</strong>
              {diagnostics.length ? (
                <ul className="problems">
                  {diagnostics.map((d, i) => (
                    <li key={i} className={`problem ${d.severity}`}>
                      <span className="mono">
                        {d.file}:{d.line}:{d.col}
                      </span>{' '}
                      {d.message}
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          ) : null}
        </section>
      </div>
      <h2>Edit a DAG</h2>
      {dags.isPending ? <Loading what="DAGs" /> : null}
      {dags.data ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>DAG</th>
                <th>File</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {dags.data.dags.map((d) => (
                <tr key={d.dag_id}>
                  <td>
                    <Link to={dagUrl(d.dag_id)}>{d.dag_id}</Link>
                  </td>
                  <td className="mono small">{d.fileloc}</td>
                  <td className="actions">
                    {d.fileloc.includes('/') ? (
                      <span className="muted small">in a sub-folder: edit it in the DAGs folder</span>
                    ) : (
                      <Link className="button small" to={`/author/edit/${encodeURIComponent(d.dag_id)}`}>
                        Edit
                      </Link>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
