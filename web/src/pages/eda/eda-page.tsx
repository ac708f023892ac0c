/**
 * Exploratory data analysis (Couture's EDA page): register a source (an uploaded CSV/TSV/XLSX, a
 * dataset, a blob-store file, or a database connection with a table or a query), profile it at L0 or
 * L1, follow the run's state and read the report. The report is drawn here from the JSON summary:
 * every value from the data is React text (escaped), charts are SVG built from the counts only; each
 * finished report also links to its HTML page (eda-report-page.tsx, in a new tab). Where the
 * deployment profiles with Spark (AWS) the runs go to a config group the page offers (the default
 * one first), and a run whose generated DAG file is still being deployed shows as `deploying`.
 */
import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { listConnections } from '../../api/endpoints';
import {
  deleteEdaSource,
  getEdaSummary,
  listEdaReports,
  listEdaSources,
  listRepository,
  putEdaSource,
  runEdaSource,
  type EdaBin,
  type EdaColumnProfile,
  type EdaLevel,
  type EdaReport,
  type EdaRunAnswer,
  type EdaSource,
  type EdaSourceBody,
  type EdaSourceList,
  type EdaSummary,
  type EdaValueCount,
} from '../../api/platform-endpoints';
import { useSession } from '../../auth/session';
import { ConfirmDialog, Dialog } from '../../components/dialog';
import { ExpandableRow } from '../../components/expandable-row';
import { StateBadge } from '../../components/state';
import { Empty, ErrorBox, Loading } from '../../components/status';
import { dagUrl, edaReportUrl } from '../../lib/links';
import { uploadRepositoryFile } from '../../lib/repository-upload';

type SourceKind = 'upload' | 'dataset' | 'blob' | 'database';
const KIND_LABELS: Record<SourceKind, string> = { upload: 'Upload a file', dataset: 'A dataset', blob: 'A blob-store file', database: 'A database table or query' };
/** Connection types the profiler reads (the server says so too when another is chosen). */
const DB_TYPES = ['sqlite', 'postgres', 'postgresql'];
/** A Spark job (AWS) reads postgres over JDBC; a sqlite file is on no machine it can reach. */
const SPARK_DB_TYPES = ['postgres', 'postgresql'];
/** Run states after which a report that is not ready will not become ready. */
const FINISHED = ['success', 'failed', 'upstream_failed', 'skipped'];
/** AWS: the run is asked for and starts once the bucket's deployer has deployed its generated DAG file. */
const DEPLOYING = 'deploying';

export function describeSource(s: EdaSource): string {
  if (s.dataset) return `dataset ${s.dataset.name}${s.dataset.version ? ` v${s.dataset.version}` : ' (latest)'}`;
  if (s.database) return `${s.database.conn_id}: ${s.database.table ?? s.database.query}`;
  return `blob ${s.blob_key}`;
}

/** `spark`: whether Spark profiles (AWS); undefined until the server has said (no connection is offered before). */
function SourceDialog({ onClose, spark }: { onClose: () => void; spark: boolean | undefined }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<SourceKind>('upload');
  const [file, setFile] = useState<File | null>(null);
  const [dataset, setDataset] = useState('');
  const [blobKey, setBlobKey] = useState('');
  const [connId, setConnId] = useState('');
  const [useQueryText, setUseQueryText] = useState(false);
  const [table, setTable] = useState('');
  const [query, setQuery] = useState('');
  const [done, setDone] = useState(0);
  const datasets = useQuery({ queryKey: ['dataset'], queryFn: () => listRepository('dataset'), enabled: kind === 'dataset' });
  const connections = useQuery({ queryKey: ['connections', 'eda'], queryFn: () => listConnections({ limit: 1000 }), enabled: kind === 'database' });
  const save = useMutation({
    mutationFn: async () => {
      const sourceName = name.trim();
      let body: EdaSourceBody;
      if (kind === 'upload') {
        // The file becomes a dataset of the same name (a new version if it exists), then the source.
        const version = await uploadRepositoryFile('dataset', { name: sourceName, description: `uploaded for EDA` }, file!, setDone);
        body = { dataset: { name: version.name } };
      } else if (kind === 'dataset') body = { dataset: { name: dataset } };
      else if (kind === 'blob') body = { blob_key: blobKey.trim() };
      else body = useQueryText ? { conn_id: connId, query } : { conn_id: connId, table: table.trim() };
      return putEdaSource(sourceName, body);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['eda'] });
      void queryClient.invalidateQueries({ queryKey: ['dataset'] });
      onClose();
    },
  });
  const ready =
    name.trim() !== '' &&
    (kind === 'upload' ? file !== null : kind === 'dataset' ? dataset !== '' : kind === 'blob' ? blobKey.trim() !== '' : connId !== '' && (useQueryText ? query.trim() !== '' : table.trim() !== ''));
  const dbTypes = spark ? SPARK_DB_TYPES : DB_TYPES;
  // Until the profiler is known, a sqlite connection cannot be told apart from one Spark can read.
  const dbConnections = spark === undefined ? [] : (connections.data?.connections ?? []).filter((c) => dbTypes.includes(c.conn_type));
  const dbWords = spark ? 'postgres' : 'sqlite or postgres';
  return (
    <Dialog
      title="Register an EDA source"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" disabled={!ready || save.isPending} onClick={() => save.mutate()}>
            {save.isPending ? (kind === 'upload' ? `Uploading… ${Math.round(done * 100)}%` : 'Saving…') : 'Register'}
          </button>
        </>
      }
    >
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        <span>Data from</span>
        <select value={kind} onChange={(e) => setKind(e.target.value as SourceKind)}>
          {(Object.keys(KIND_LABELS) as SourceKind[]).map((k) => (
            <option key={k} value={k}>
              {KIND_LABELS[k]}
            </option>
          ))}
        </select>
      </label>
      {kind === 'upload' ? (
        <label className="field">
          <span>
            File <span className="hint">(CSV, TSV or XLSX; kept as a dataset of this name)</span>
          </span>
          <input type="file" accept=".csv,.tsv,.xlsx" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
      ) : null}
      {kind === 'dataset' ? (
        <label className="field">
          <span>Dataset</span>
          <select value={dataset} onChange={(e) => setDataset(e.target.value)}>
            <option value="">{datasets.isPending ? 'Loading…' : 'Choose a dataset'}</option>
            {(datasets.data ?? []).map((d) => (
              <option key={d.name}>{d.name}</option>
            ))}
          </select>
        </label>
      ) : null}
      {kind === 'blob' ? (
        <label className="field">
          <span>
            Blob key <span className="hint">(a .csv, .tsv or .xlsx file in the blob store)</span>
          </span>
          <input value={blobKey} onChange={(e) => setBlobKey(e.target.value)} />
        </label>
      ) : null}
      {kind === 'database' ? (
        <>
          <label className="field">
            <span>
              Connection <span className="hint">({dbWords}; the password stays in the connection)</span>
            </span>
            <select value={connId} onChange={(e) => setConnId(e.target.value)}>
              <option value="">{connections.isPending ? 'Loading…' : dbConnections.length ? 'Choose a connection' : `No ${dbWords} connection`}</option>
              {dbConnections.map((c) => (
                <option key={c.connection_id} value={c.connection_id}>
                  {c.connection_id} ({c.conn_type})
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Profile</span>
            <select value={useQueryText ? 'query' : 'table'} onChange={(e) => setUseQueryText(e.target.value === 'query')}>
              <option value="table">a table</option>
              <option value="query">a query</option>
            </select>
          </label>
          {useQueryText ? (
            <label className="field">
              <span>
                Query <span className="hint">(a SELECT, run in a read-only session)</span>
              </span>
              <textarea rows={4} className="mono" value={query} onChange={(e) => setQuery(e.target.value)} />
            </label>
          ) : (
            <label className="field">
              <span>
                Table <span className="hint">(name or schema.name)</span>
              </span>
              <input value={table} onChange={(e) => setTable(e.target.value)} />
            </label>
          )}
        </>
      ) : null}
      {save.isPending && kind === 'upload' ? <progress max={1} value={done} aria-label="upload progress" /> : null}
      {save.isError ? (
        <div className="callout error" role="alert">
          Not registered: {errorMessage(save.error)}
        </div>
      ) : null}
    </Dialog>
  );
}

const fmt = (v: number | string | null | undefined): string => {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, '');
  return v;
};

/** Bars from counts only; each bar's label is its title (a tooltip). */
function Bars({ items, label }: { items: { label: string; count: number }[]; label: string }) {
  if (items.length === 0) return null;
  const max = Math.max(1, ...items.map((i) => i.count));
  const width = 14;
  const height = 64;
  return (
    <svg className="eda-bars" width={items.length * (width + 2)} height={height} role="img" aria-label={label}>
      {items.map((item, i) => {
        const h = Math.round((item.count / max) * height);
        return (
          <rect key={i} x={i * (width + 2)} y={height - h} width={width} height={h}>
            <title>{`${item.label}: ${item.count}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

const binItems = (bins: EdaBin[]) => bins.map((b) => ({ label: `${fmt(b.from)} – ${fmt(b.to)}`, count: b.count }));
const valueItems = (values: EdaValueCount[]) => values.map((v) => ({ label: v.value, count: v.count }));

function ColumnCharts({ column }: { column: EdaColumnProfile }) {
  const distribution = column.distribution ?? [];
  const distributionItems = distribution.length && 'from' in distribution[0]! ? binItems(distribution as EdaBin[]) : valueItems(distribution as EdaValueCount[]);
  return (
    <section className="eda-column" aria-label={`Column ${column.name}`}>
      <h3 className="mono">{column.name}</h3>
      <div className="eda-charts">
        {column.histogram?.length ? (
          <div>
            <h4>Histogram</h4>
            <Bars items={binItems(column.histogram)} label={`histogram of ${column.name}`} />
            <div className="muted small">
              {fmt(column.histogram[0]!.from)} … {fmt(column.histogram[column.histogram.length - 1]!.to)}
            </div>
          </div>
        ) : null}
        {distributionItems.length ? (
          <div>
            <h4>Distribution</h4>
            <Bars items={distributionItems} label={`distribution of ${column.name}`} />
          </div>
        ) : null}
        {column.top_values.length ? (
          <div>
            <h4>Top values</h4>
            <table className="table compact">
              <tbody>
                {column.top_values.map((t) => (
                  <tr key={t.value}>
                    <td className="mono wrap">{t.value}</td>
                    <td className="num">{t.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </section>
  );
}

function Correlations({ correlations }: { correlations: NonNullable<EdaSummary['correlations']> }) {
  if (correlations.columns.length === 0) return <p className="muted">Fewer than two numeric columns: no correlations.</p>;
  return (
    <div className="table-wrap">
      <table className="table compact" aria-label="Correlations">
        <thead>
          <tr>
            <th />
            {correlations.columns.map((c) => (
              <th key={c} scope="col" className="mono num data-name">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {correlations.columns.map((c, i) => (
            <tr key={c}>
              <th scope="row" className="mono data-name">
                {c}
              </th>
              {correlations.columns.map((_, j) => (
                <td key={j} className="num">
                  {fmt(correlations.matrix[i]?.[j])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReportView({ source, report }: { source: string; report: EdaReport }) {
  const summary = useQuery({ queryKey: ['eda', source, 'summary', report.report_id], queryFn: () => getEdaSummary(source, report.report_id) });
  if (summary.isPending) return <Loading what="the report" />;
  if (summary.isError) return <ErrorBox error={summary.error} />;
  const s = summary.data;
  return (
    <div className="eda-report" data-testid="eda-report">
      <h2>
        Report {report.report_id} of {source}
      </h2>
      <p>
        {s.rows} rows × {s.columns} columns · level {s.level}
      </p>
      <div className="table-wrap">
        <table className="table" aria-label="Column statistics">
          <thead>
            <tr>
              <th>Column</th>
              <th>Type</th>
              <th className="num">Non-null</th>
              <th className="num">Nulls</th>
              <th className="num">Distinct</th>
              <th>Min</th>
              <th>Max</th>
              <th className="num">Mean</th>
              <th className="num">Std</th>
              <th className="num">Median</th>
            </tr>
          </thead>
          <tbody>
            {s.column_profiles.map((c) => (
              <tr key={c.name}>
                <td className="mono">{c.name}</td>
                <td>{c.type}</td>
                <td className="num">{c.count}</td>
                <td className="num">{c.nulls}</td>
                <td className="num">{c.distinct}</td>
                <td className="mono wrap">{fmt(c.min)}</td>
                <td className="mono wrap">{fmt(c.max)}</td>
                <td className="num">{fmt(c.mean)}</td>
                <td className="num">{fmt(c.std)}</td>
                <td className="num">{fmt(c.quantiles?.['50%'])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {s.correlations ? (
        <>
          <h3>Correlations (Pearson)</h3>
          <Correlations correlations={s.correlations} />
        </>
      ) : null}
      {s.column_profiles.map((c) => (
        <ColumnCharts key={c.name} column={c} />
      ))}
    </div>
  );
}

/** A report whose run has not ended (a report without a known run: until it is ready). */
const stillRunning = (r: { state?: string | null; ready: boolean }) => (r.state ? !FINISHED.includes(r.state) : !r.ready);

function Reports({ source }: { source: string }) {
  const [open, setOpen] = useState<string | null>(null);
  const reports = useQuery({
    queryKey: ['eda', source, 'reports'],
    queryFn: () => listEdaReports(source),
    // Poll while a run is still going: its report may be written before the run ends, so readiness alone
    // would stop the polling with the run still shown as running.
    refetchInterval: (q) => (q.state.data?.some(stillRunning) ? 1500 : false),
  });
  if (reports.isPending) return <Loading what="reports" />;
  if (reports.isError) return <ErrorBox error={reports.error} />;
  if (reports.data.length === 0) return <Empty>No report yet: profile the source.</Empty>;
  const shown = reports.data.find((r) => r.report_id === open) ?? reports.data.find((r) => r.ready);
  return (
    <>
      <table className="table" aria-label={`Reports of ${source}`}>
        <thead>
          <tr>
            <th>Report</th>
            <th>Level</th>
            <th>Run</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {reports.data.map((r) => (
            <tr key={r.report_id} className={shown?.report_id === r.report_id ? 'selected' : undefined}>
              <td className="mono">{r.report_id}</td>
              <td>{r.level}</td>
              <td>
                {r.state === DEPLOYING ? (
                  // No run yet to link to: the deployer creates it once the DAG file is deployed.
                  <span title="The profiling DAG file is being deployed; the run starts right after">
                    <StateBadge state={DEPLOYING} />
                  </span>
                ) : (
                  <Link to={dagUrl(r.dag_id, 'grid', { run: r.dag_run_id })}>
                    <StateBadge state={r.state ?? (r.ready ? 'success' : 'queued')} />
                  </Link>
                )}
              </td>
              <td className="actions">
                {r.ready ? (
                  <>
                    <button type="button" className="button small" onClick={() => setOpen(r.report_id)}>
                      Show
                    </button>{' '}
                    <a className="button small" href={edaReportUrl(source, r.report_id)} target="_blank" rel="noopener" aria-label={`HTML report ${r.report_id} (opens in a new tab)`}>
                      HTML report ↗
                    </a>
                  </>
                ) : (
                  <span className="muted">{FINISHED.includes(r.state ?? '') ? 'no report (see the run’s log)' : r.state === DEPLOYING ? 'deploying the DAG file…' : 'running…'}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown ? <ReportView key={shown.report_id} source={source} report={shown} /> : null}
    </>
  );
}

/** The config groups a Spark run may go to (AWS); none where pandas profiles (local mode). */
function ConfigGroupPicker({ list, value, onChange }: { list: EdaSourceList; value: string; onChange: (group: string) => void }) {
  const groups = list.config_groups ?? [];
  // Without a default that can run the profiler, nothing is chosen until the user picks (a run would be refused).
  const usableDefault = groups.some((g) => g.name === list.default_group && g.engine !== 'local');
  const placeholder = groups.length === 0 ? 'no config group yet' : list.default_group === null ? 'no default group: choose one' : `the default, ${list.default_group}, runs locally: choose one`;
  return (
    <div className="eda-run-options">
      <label className="inline-field">
        <span>Profile on config group</span>
        <select value={value} onChange={(e) => onChange(e.target.value)}>
          {usableDefault ? null : <option value="">{placeholder}</option>}
          {groups.map((g) => (
            <option key={g.name} value={g.name} disabled={g.engine === 'local'}>
              {g.name} ({g.engine === 'local' ? 'local spark-submit: not for EDA' : g.engine}){g.name === list.default_group ? ' — default' : ''}
            </option>
          ))}
        </select>
      </label>{' '}
      <span className="muted small">Runs as a Spark job on the group’s engine (EMR, EMR Serverless or Livy).</span>
    </div>
  );
}

/** A run asked for while its DAG file is being deployed (AWS, 202): on its way, not an error; its state follows in the reports. */
function RunDeploying({ name, level, answer }: { name: string; level: EdaLevel; answer: EdaRunAnswer }) {
  return (
    <div className="callout info" role="status">
      {level} profile of <strong>{name}</strong>: its DAG file <span className="mono">{answer.dag_id}</span> is being deployed; the run starts as soon as it is (report {answer.report_id}, state below).
    </div>
  );
}

export function EdaPage() {
  const session = useSession();
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<EdaSource | null>(null);
  const [pickedGroup, setPickedGroup] = useState<string | null>(null);
  const sources = useQuery({ queryKey: ['eda', 'sources'], queryFn: listEdaSources });
  const spark = sources.data?.profiler === 'spark';
  // The default group until one is picked (a default that cannot run the profiler is not offered).
  const defaultGroup = sources.data?.config_groups?.find((g) => g.name === sources.data?.default_group && g.engine !== 'local')?.name ?? '';
  const configGroup = pickedGroup ?? defaultGroup;
  const run = useMutation({
    mutationFn: ({ name, level }: { name: string; level: EdaLevel }) => runEdaSource(name, level, spark && configGroup ? configGroup : undefined),
    onSuccess: (_answer, { name }) => {
      setOpen(name);
      void queryClient.invalidateQueries({ queryKey: ['eda', name, 'reports'] });
    },
  });
  const remove = useMutation({
    mutationFn: (name: string) => deleteEdaSource(name),
    onSuccess: () => {
      setDeleting(null);
      setOpen(null);
      void queryClient.invalidateQueries({ queryKey: ['eda', 'sources'] });
    },
  });
  const canRun = session.can('create:datasets') && session.can('create:dag_runs');
  return (
    <div className="page">
      <div className="page-head">
        <h1>EDA</h1>
        <span className="grow" />
        {session.can('create:datasets') ? (
          <button type="button" className="button primary" onClick={() => setAdding(true)}>
            Register a source
          </button>
        ) : null}
      </div>
      <p className="muted small">Profile a table: L0 gives counts, types, nulls, distinct values, statistics, top values and histograms; L1 adds correlations and distributions.</p>
      {spark && canRun && sources.data ? <ConfigGroupPicker list={sources.data} value={configGroup} onChange={setPickedGroup} /> : null}
      {run.isError ? (
        <div className="callout error" role="alert">
          Not started: {errorMessage(run.error)}
        </div>
      ) : null}
      {run.isSuccess && run.data.state === DEPLOYING ? <RunDeploying name={run.variables.name} level={run.variables.level} answer={run.data} /> : null}
      {sources.isPending ? <Loading what="EDA sources" /> : null}
      {sources.isError ? <ErrorBox error={sources.error} /> : null}
      {sources.data?.eda_sources.length === 0 ? <Empty>No source yet: register one.</Empty> : null}
      {sources.data?.eda_sources.length ? (
        <div className="table-wrap">
          <table className="table" aria-label="EDA sources">
            <thead>
              <tr>
                <th>Name</th>
                <th>Data</th>
                <th>Format</th>
                <th>Registered</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {sources.data.eda_sources.map((s) => (
                <ExpandableRow key={s.name} name={s.name} expanded={open === s.name} onToggle={() => setOpen(open === s.name ? null : s.name)} columns={5} detail={<Reports source={s.name} />}>
                  <td className="mono wrap">{describeSource(s)}</td>
                  <td>{s.format ?? 'table'}</td>
                  <td>
                    {s.created_at} {s.created_by ? `by ${s.created_by}` : ''}
                  </td>
                  <td className="actions">
                    {canRun
                      ? (['L0', 'L1'] as const).map((level) => (
                          <button key={level} type="button" className="button small" disabled={run.isPending} onClick={() => run.mutate({ name: s.name, level })}>
                            Profile {level}
                          </button>
                        ))
                      : null}{' '}
                    {session.can('delete:datasets') ? (
                      <button type="button" className="button small danger" onClick={() => setDeleting(s)}>
                        Delete
                      </button>
                    ) : null}
                  </td>
                </ExpandableRow>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {adding ? <SourceDialog onClose={() => setAdding(false)} spark={sources.data ? spark : undefined} /> : null}
      {deleting ? (
        <ConfirmDialog title={`Delete the EDA source ${deleting.name}?`} confirmLabel="Delete" danger busy={remove.isPending} onConfirm={() => remove.mutate(deleting.name)} onClose={() => setDeleting(null)}>
          <p>Its reports are deleted with it; the data it profiles is not.</p>
          {remove.isError ? <div className="callout error">{errorMessage(remove.error)}</div> : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
