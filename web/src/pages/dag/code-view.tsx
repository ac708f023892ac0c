/**
 * The DAG file's source for a version — by default the version the selected run executed, else the
 * current one — and, on request, a diff against another version. Loaded on demand (CodeMirror).
 */
import { useQuery } from '@tanstack/react-query';
import { getDagVersion, listDagVersions } from '../../api/endpoints';
import type { DagVersionHeader } from '../../api/types';
import { CodeViewer, languageOf } from '../../components/code-mirror';
import { ErrorBox, Loading } from '../../components/status';
import { formatDateTime } from '../../lib/time';

const versionLabel = (v: DagVersionHeader) => `${v.version.slice(0, 10)} · ${formatDateTime(v.created_at)}${v.is_current ? ' (current)' : ''}`;

export function CodeView({ dagId, version, compare, runVersion, onChange }: { dagId: string; version: string | null; compare: string | null; runVersion: string | null; onChange: (changes: Record<string, string | null>) => void }) {
  const versions = useQuery({ queryKey: ['dag-versions', dagId], queryFn: () => listDagVersions(dagId), refetchInterval: 15_000 });
  const current = versions.data?.versions.find((v) => v.is_current) ?? versions.data?.versions[0];
  const shown = version ?? runVersion ?? current?.version ?? null;
  const source = useQuery({ queryKey: ['dag-version', dagId, shown], queryFn: () => getDagVersion(dagId, shown!), enabled: shown !== null, staleTime: Infinity });
  const other = useQuery({ queryKey: ['dag-version', dagId, compare], queryFn: () => getDagVersion(dagId, compare!), enabled: compare !== null, staleTime: Infinity });
  if (versions.isPending || source.isPending) return <Loading what="the DAG's code" />;
  if (versions.isError) return <ErrorBox error={versions.error} />;
  if (source.isError) return <ErrorBox error={source.error} />;
  const list = versions.data.versions;
  const text = source.data.source;
  return (
    <div className="code-view">
      <div className="view-toolbar">
        <label className="inline-field">
          Version
          <select aria-label="Version" value={shown ?? ''} onChange={(e) => onChange({ version: e.target.value, compare: null })}>
            {list.map((v) => (
              <option key={v.version} value={v.version}>
                {versionLabel(v)}
                {v.version === runVersion ? ' — this run' : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          Compare with
          <select aria-label="Compare with" value={compare ?? ''} onChange={(e) => onChange({ compare: e.target.value || null })}>
            <option value="">—</option>
            {list
              .filter((v) => v.version !== shown)
              .map((v) => (
                <option key={v.version} value={v.version}>
                  {versionLabel(v)}
                </option>
              ))}
          </select>
        </label>
        <span className="grow" />
        <span className="muted small">
          <code>{source.data.fileloc}</code> · {list.length} version{list.length === 1 ? '' : 's'}
        </span>
      </div>
      {compare && other.data ? (
        <p className="muted small">
          Changes from {other.data.version.slice(0, 10)} ({formatDateTime(other.data.created_at)}) to {source.data.version.slice(0, 10)}: removed lines in red, added lines in green.
        </p>
      ) : null}
      {source.data.source_redacted ? (
        <div className="callout info">This file also defines DAGs you may not read, so its code is not shown.</div>
      ) : text === null ? (
        <div className="callout info">This version was recorded before skydag kept the source of each version.</div>
      ) : compare && other.isPending ? (
        <Loading what="the other version" />
      ) : (
        <CodeViewer value={text} language={languageOf(source.data.fileloc)} original={compare ? (other.data?.source ?? '') : null} label={`Source of ${dagId}`} />
      )}
    </div>
  );
}
