/**
 * Code artifacts and Spark dependencies (Couture's two upload pages, one view here): the .jar, .py,
 * .zip and .egg files tasks reference by `code_artifact`, `jars` and `py_files`; upload and delete.
 * Uploads from the browser are limited to what one API request carries (5 MiB — API Gateway's
 * limit in AWS); the page says so and points to the CLI for larger files. The server checks names
 * (no paths) and extensions and answers a refusal in words.
 */
import { useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { deleteArtifact, listArtifacts, uploadArtifact, type Artifact, type ArtifactKind } from '../../api/platform-endpoints';
import { useSession } from '../../auth/session';
import { ConfirmDialog } from '../../components/dialog';
import { Empty, ErrorBox, Loading } from '../../components/status';
import { formatDateTime } from '../../lib/time';

const MAX_BROWSER_UPLOAD = 5 * 1024 * 1024;

const KINDS: { kind: ArtifactKind; title: string; about: string }[] = [
  { kind: 'code', title: 'Code artifacts', about: 'Programs a task runs: a Spark application jar or a PySpark .py/.zip (code_artifact=).' },
  { kind: 'dependency', title: 'Spark dependencies', about: 'Libraries added to every job that lists them: jars= and py_files=.' },
];

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function KindSection({ kind, title, about, artifacts }: { kind: ArtifactKind; title: string; about: string; artifacts: Artifact[] }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [deleting, setDeleting] = useState<Artifact | null>(null);
  const [tooLarge, setTooLarge] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['artifacts'] });
  const upload = useMutation({ mutationFn: (file: File) => uploadArtifact(kind, file), onSuccess: refresh });
  const remove = useMutation({
    mutationFn: (a: Artifact) => deleteArtifact(a.kind, a.name),
    onSuccess: () => {
      setDeleting(null);
      refresh();
    },
  });
  return (
    <section className="section" aria-label={title}>
      <div className="row">
        <h2>{title}</h2>
        <span className="grow" />
        {session.can('create:artifacts') ? (
          <>
            <button type="button" className="button primary" disabled={upload.isPending} onClick={() => input.current?.click()}>
              {upload.isPending ? 'Uploading…' : 'Upload'}
            </button>
            <input
              ref={input}
              type="file"
              accept=".jar,.py,.zip,.egg"
              hidden
              data-testid={`artifact-input-${kind}`}
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (!file) return;
                if (file.size > MAX_BROWSER_UPLOAD) return setTooLarge(`${file.name} is ${formatBytes(file.size)}: the console uploads up to 5 MiB. Use the CLI: skydag artifacts upload ${file.name} --kind ${kind}`);
                setTooLarge(null);
                upload.mutate(file);
              }}
            />
          </>
        ) : null}
      </div>
      <p className="muted small">{about}</p>
      {tooLarge ? <div className="callout warning" role="alert">{tooLarge}</div> : null}
      {upload.isError ? <div className="callout error" role="alert">Not uploaded: {errorMessage(upload.error)}</div> : null}
      {artifacts.length === 0 ? (
        <Empty>None uploaded.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                <th className="num">Size</th>
                <th>Uploaded</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {artifacts.map((a) => (
                <tr key={a.name}>
                  <td className="mono">{a.name}</td>
                  <td className="num">{formatBytes(a.size)}</td>
                  <td className="small">{formatDateTime(a.last_modified)}</td>
                  <td className="actions">
                    {session.can('delete:artifacts') ? (
                      <button type="button" className="button small danger" aria-label={`Delete ${a.name}`} onClick={() => setDeleting(a)}>
                        Delete
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting ? (
        <ConfirmDialog title={`Delete ${deleting.name}?`} confirmLabel="Delete" danger busy={remove.isPending} onConfirm={() => remove.mutate(deleting)} onClose={() => setDeleting(null)}>
          <p>Tasks that reference it will fail until it is uploaded again.</p>
          {remove.isError ? <div className="callout error">{errorMessage(remove.error)}</div> : null}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

export function ArtifactsPage() {
  const artifacts = useQuery({ queryKey: ['artifacts'], queryFn: listArtifacts });
  return (
    <div className="page">
      <div className="page-head">
        <h1>Code artifacts and Spark dependencies</h1>
      </div>
      {artifacts.isPending ? <Loading what="artifacts" /> : null}
      {artifacts.isError ? <ErrorBox error={artifacts.error} /> : null}
      {artifacts.data
        ? KINDS.map((k) => <KindSection key={k.kind} {...k} artifacts={artifacts.data.artifacts.filter((a) => a.kind === k.kind)} />)
        : null}
    </div>
  );
}
