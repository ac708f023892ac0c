/**
 * Import/export (Admin): the whole platform as a tar.gz (POST /export), and an archive imported back
 * (POST /import) — always checked as a dry run first, showing what would change; "Import" then
 * applies that same file, whole or not at all. Secrets travel only sealed with the passphrase.
 */
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { exportArchive, importArchive, type ImportReport } from '../../api/endpoints';
import { download } from '../../lib/download';

function Report({ report }: { report: ImportReport }) {
  return (
    <>
      <table className="table">
        <thead>
          <tr>
            <th>Kind</th>
            <th>Create</th>
            <th>Update</th>
            <th>Unchanged</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(report.changes).map(([kind, c]) => (
            <tr key={kind}>
              <td>{kind.replace(/_/g, ' ')}</td>
              <td>{c.create.join(', ')}</td>
              <td>{c.update.join(', ')}</td>
              <td>{c.unchanged.length}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.notes.map((note) => (
        <p key={note} className="hint">
          {note}
        </p>
      ))}
    </>
  );
}

export function ArchivePage() {
  const [exportPassphrase, setExportPassphrase] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [importPassphrase, setImportPassphrase] = useState('');
  const doExport = useMutation({
    mutationFn: () => exportArchive(exportPassphrase),
    onSuccess: (blob) => download(blob, `skydag-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '')}.tar.gz`),
  });
  const check = useMutation({ mutationFn: (f: File) => importArchive(f, importPassphrase, true) });
  const apply = useMutation({ mutationFn: (f: File) => importArchive(f, importPassphrase, false) });
  const choose = (f: File | null) => {
    setFile(f);
    check.reset();
    apply.reset();
  };
  return (
    <div className="page">
      <div className="page-head">
        <h1>Import/export</h1>
      </div>
      <section>
        <h2>Export</h2>
        <p className="hint">DAG files and their versions, config groups, artifacts, variables, connections, pools, roles and users (never passwords). Without a passphrase, secrets are left out.</p>
        <label className="field">
          <span>Passphrase (optional, 12 characters or more)</span>
          <input type="password" autoComplete="new-password" value={exportPassphrase} onChange={(e) => setExportPassphrase(e.target.value)} />
        </label>
        <button type="button" className="button primary" disabled={doExport.isPending} onClick={() => doExport.mutate()}>
          {doExport.isPending ? 'Exporting…' : 'Export'}
        </button>
        {doExport.isError ? <div className="callout error" role="alert">{errorMessage(doExport.error)}</div> : null}
      </section>
      <section>
        <h2>Import</h2>
        <label className="field">
          <span>Archive (.tar.gz made by an export)</span>
          <input type="file" accept=".gz,.tgz,application/gzip" onChange={(e) => choose(e.target.files?.[0] ?? null)} />
        </label>
        <label className="field">
          <span>Passphrase (when the archive carries secrets)</span>
          <input type="password" autoComplete="off" value={importPassphrase} onChange={(e) => setImportPassphrase(e.target.value)} />
        </label>
        <button type="button" className="button" disabled={!file || check.isPending} onClick={() => file && check.mutate(file)}>
          {check.isPending ? 'Checking…' : 'Check (dry run)'}
        </button>{' '}
        <button type="button" className="button primary" disabled={!file || !check.isSuccess || apply.isPending || apply.isSuccess} onClick={() => file && apply.mutate(file)}>
          {apply.isPending ? 'Importing…' : 'Import'}
        </button>
        {check.isError ? <div className="callout error" role="alert">{errorMessage(check.error)}</div> : null}
        {apply.isError ? <div className="callout error" role="alert">{errorMessage(apply.error)}</div> : null}
        {apply.data ? <div className="callout" role="status">Imported.</div> : null}
        {apply.data ? <Report report={apply.data} /> : check.data ? <Report report={check.data} /> : null}
      </section>
    </div>
  );
}
