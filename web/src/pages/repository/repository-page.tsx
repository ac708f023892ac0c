/** Models and Datasets (Couture's page): names with their versions; upload in checked chunks with progress; download; delete. */
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { deleteRepositoryVersion, downloadRepositoryFile, listRepository, listRepositoryVersions, type RepositoryKind, type RepositoryVersion } from '../../api/platform-endpoints';
import { useSession } from '../../auth/session';
import { ConfirmDialog, Dialog } from '../../components/dialog';
import { ExpandableRow } from '../../components/expandable-row';
import { ErrorBox, Loading } from '../../components/status';
import { download, downloadUrl } from '../../lib/download';
import { uploadRepositoryFile } from '../../lib/repository-upload';

const FLAVORS = ['tensorflow', 'spark', 'pytorch', 'other'] as const;

function UploadDialog({ kind, name: fixedName, onClose }: { kind: RepositoryKind; name?: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(fixedName ?? '');
  const [flavor, setFlavor] = useState<string>('other');
  const [description, setDescription] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [done, setDone] = useState(0);
  const upload = useMutation({
    mutationFn: () => uploadRepositoryFile(kind, { name: name.trim(), ...(kind === 'model' ? { flavor } : {}), description }, file!, setDone),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: [kind] });
      onClose();
    },
  });
  return (
    <Dialog
      title={fixedName ? `New version of ${fixedName}` : `Upload a ${kind}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" disabled={!file || !name.trim() || upload.isPending} onClick={() => upload.mutate()}>
            {upload.isPending ? `Uploading… ${Math.round(done * 100)}%` : 'Upload'}
          </button>
        </>
      }
    >
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} disabled={Boolean(fixedName)} />
      </label>
      {kind === 'model' ? (
        <label className="field">
          <span>
            Flavor <span className="hint">(tensorflow: the SavedModel folder as .tar.gz)</span>
          </span>
          <select value={flavor} onChange={(e) => setFlavor(e.target.value)}>
            {FLAVORS.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </label>
      ) : null}
      <label className="field">
        <span>Description</span>
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label className="field">
        <span>File</span>
        <input type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </label>
      {upload.isPending ? <progress max={1} value={done} aria-label="upload progress" /> : null}
      {upload.isError ? <div className="callout error" role="alert">{errorMessage(upload.error)}</div> : null}
    </Dialog>
  );
}

function Versions({ kind, name }: { kind: RepositoryKind; name: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [deleting, setDeleting] = useState<RepositoryVersion | null>(null);
  // Once its last version is deleted the name is gone: asking for its versions again would be a 404.
  const [gone, setGone] = useState(false);
  const versions = useQuery({ queryKey: [kind, name, 'versions'], queryFn: () => listRepositoryVersions(kind, name), enabled: !gone });
  const remove = useMutation({
    mutationFn: (v: RepositoryVersion) => deleteRepositoryVersion(kind, v.name, v.version),
    onSuccess: () => {
      setDeleting(null);
      const last = versions.data?.versions.length === 1;
      if (last) setGone(true);
      void queryClient.invalidateQueries({ queryKey: [kind], predicate: (q) => !(last && q.queryKey[1] === name && q.queryKey[2] === 'versions') });
    },
  });
  const save = async (v: RepositoryVersion) => {
    const file = await downloadRepositoryFile(kind, v.name, v.version);
    if (file instanceof Blob) download(file, v.file_name);
    else downloadUrl(file.url, file.file_name);
  };
  if (versions.isPending) return <Loading what="versions" />;
  if (versions.isError) return <ErrorBox error={versions.error} />;
  return (
    <>
      <table className="table">
        <thead>
          <tr>
            <th className="num">Version</th>
            <th>File</th>
            <th className="num">Bytes</th>
            <th>Uploaded</th>
            <th>Description</th>
            <th>URI</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {versions.data.versions.map((v) => (
            <tr key={v.version}>
              <td className="num">{v.version}</td>
              <td className="mono">{v.file_name}</td>
              <td className="num">{v.size}</td>
              <td>
                {v.created_at} {v.created_by ? `by ${v.created_by}` : ''}
              </td>
              <td className="wrap">{v.description}</td>
              <td className="mono wrap" title={`sha256 ${v.sha256}`}>
                {v.uri}
              </td>
              <td className="actions">
                <button type="button" className="button small" onClick={() => void save(v)}>
                  Download
                </button>{' '}
                {session.can(`delete:${kind}s`) ? (
                  <button type="button" className="button small danger" onClick={() => setDeleting(v)}>
                    Delete
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {deleting ? (
        <ConfirmDialog title={`Delete ${deleting.name} version ${deleting.version}?`} confirmLabel="Delete" danger busy={remove.isPending} onConfirm={() => remove.mutate(deleting)} onClose={() => setDeleting(null)}>
          <p>Tasks that name this version will fail to render.</p>
          {remove.isError ? <div className="callout error">{errorMessage(remove.error)}</div> : null}
        </ConfirmDialog>
      ) : null}
    </>
  );
}

export function RepositoryPage({ kind }: { kind: RepositoryKind }) {
  const session = useSession();
  const [uploading, setUploading] = useState<string | null | 'new'>(null);
  const [open, setOpen] = useState<string | null>(null);
  const items = useQuery({ queryKey: [kind], queryFn: () => listRepository(kind) });
  const title = kind === 'model' ? 'Models' : 'Datasets';
  return (
    <div className="page">
      <div className="page-head">
        <h1>{title}</h1>
        <span className="grow" />
        {session.can(`create:${kind}s`) ? (
          <button type="button" className="button primary" onClick={() => setUploading('new')}>
            Upload
          </button>
        ) : null}
      </div>
      <p className="muted small">
        Tasks name a version in templates: <code>{`{{ ${kind}s.get("name", version=1).uri }}`}</code> (the latest without a version).
      </p>
      {items.isPending ? <Loading what={kind === 'model' ? 'models' : 'datasets'} /> : null}
      {items.isError ? <ErrorBox error={items.error} /> : null}
      {items.data ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                {kind === 'model' ? <th>Flavor</th> : null}
                <th className="num">Latest</th>
                <th className="num">Versions</th>
                <th>Updated</th>
                <th>Description</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {items.data.map((item) => (
                <ExpandableRow
                  key={item.name}
                  name={item.name}
                  expanded={open === item.name}
                  onToggle={() => setOpen(open === item.name ? null : item.name)}
                  columns={kind === 'model' ? 7 : 6}
                  detail={<Versions kind={kind} name={item.name} />}
                >
                  {kind === 'model' ? <td>{item.flavor}</td> : null}
                  <td className="num">{item.latest_version}</td>
                  <td className="num">{item.version_count}</td>
                  <td>{item.updated_at}</td>
                  <td className="wrap">{item.description}</td>
                  <td className="actions">
                    {session.can(`create:${kind}s`) ? (
                      <button type="button" className="button small" onClick={() => setUploading(item.name)}>
                        New version
                      </button>
                    ) : null}
                  </td>
                </ExpandableRow>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {uploading ? <UploadDialog kind={kind} {...(uploading === 'new' ? {} : { name: uploading })} onClose={() => setUploading(null)} /> : null}
    </div>
  );
}

export const ModelsPage = () => <RepositoryPage kind="model" />;
export const DatasetsPage = () => <RepositoryPage kind="dataset" />;
