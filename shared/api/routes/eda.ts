/**
 * Exploratory data analysis (skydag endpoints; Couture's EDA page, shared/eda/):
 *
 *   GET    /api/v1/edaSources                                     registered sources, and how runs profile here (profiler: pandas | spark,
 *                                                                 with the config groups a Spark run may name and the default group)
 *   GET, PUT, DELETE /api/v1/edaSources/{name}                   PUT {dataset: {name, version?}} or {blob_key} (format?), or {conn_id, table | query}
 *   POST   /api/v1/edaSources/{name}/runs                         {level: L0|L1, config_group?}: generate the profiling DAG and trigger it (AWS: a Spark job)
 *   GET    /api/v1/edaSources/{name}/reports                      the runs' reports (ready or not) with their runs' states
 *   GET    /api/v1/edaSources/{name}/reports/{report_id}/summary  the JSON summary
 *   GET    /api/v1/edaSources/{name}/reports/{report_id}/html     the HTML report (escaped, no script, CSP)
 *
 * In AWS both answer with a presigned S3 URL (302, or JSON with redirect=false) instead of passing the
 * report through the Lambda (6 MB answers); the HTML is rendered into the bucket first.
 *
 * Sources are datasets' business: reading needs read:datasets (User), registering, running and
 * deleting create/delete:datasets (Op; a run also writes a DAG file and triggers it).
 */
import { checkLevel, EDA_LEVELS, edaDagId, edaRunId, mergeRunsIntoReports, REPORT_HTML_TYPE, reportTitle, tsNodash, type EdaDag, type EdaSourceInput, type EdaSources } from '../../eda/sources.js';
import { REPORT_CSP, renderReport } from '../../eda/report.js';
import { DagRunExistsError } from '../../stores/metadata.js';
import { deployedWithSource, sourceDigest } from '../../deploy/pending-runs.js';
import type { ApiDeps } from '../deps.js';
import { noContent, type ApiResponse } from '../http.js';
import { alreadyExists, ApiError, notFound } from '../problem.js';
import { defineRoute } from '../route.js';
import { collectionSchema } from '../response-schemas.js';
import type { JsonSchema } from '../validation.js';
import { repositoryErrors } from './repository.js';

function eda(deps: ApiDeps): EdaSources {
  if (!deps.eda) throw notFound('Not Found', 'exploratory data analysis is not available on this deployment');
  return deps.eda;
}

/** How long a presigned report URL works (AWS): long enough to load a large report, short enough not to be worth sharing. */
export const PRESIGNED_REPORT_SECONDS = 300;

/** EDA refuses with the repository's errors (400 / 404). */
const edaErrors = repositoryErrors;

const SOURCE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    type: { type: 'string', enum: ['dataset', 'blob', 'database'] },
    dataset: { type: ['object', 'null'] },
    blob_key: { type: ['string', 'null'] },
    database: {
      type: ['object', 'null'],
      properties: { conn_id: { type: 'string' }, table: { type: ['string', 'null'] }, query: { type: ['string', 'null'] } },
      required: ['conn_id', 'table', 'query'],
    },
    format: { type: ['string', 'null'], enum: ['csv', 'tsv', 'xlsx', null] },
    created_at: { type: 'string', format: 'date-time' },
    created_by: { type: ['string', 'null'] },
  },
  required: ['name', 'type', 'dataset', 'blob_key', 'database', 'format', 'created_at'],
};

const REPORT_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    report_id: { type: 'string' },
    level: { type: 'string', enum: ['L0', 'L1'] },
    ready: { type: 'boolean' },
    dag_id: { type: 'string' },
    dag_run_id: { type: 'string' },
    /** The run's state (null when the run is gone). */
    state: { type: ['string', 'null'] },
  },
  required: ['report_id', 'level', 'ready', 'dag_id', 'dag_run_id', 'state'],
};

const SOURCES_SCHEMA: JsonSchema = (() => {
  const collection = collectionSchema('eda_sources', SOURCE_SCHEMA);
  return {
    ...collection,
    properties: {
      ...collection.properties,
      profiler: { type: 'string', enum: ['pandas', 'spark'], description: 'pandas: profiled on this machine (local mode); spark: a Spark job on a config group\'s engine (AWS)' },
      config_groups: {
        type: ['array', 'null'],
        items: { type: 'object', properties: { name: { type: 'string' }, engine: { type: 'string' } }, required: ['name', 'engine'] },
        description: "spark: the config groups a run's config_group may name (a `local` engine is refused); null for pandas",
      },
      default_group: { type: ['string', 'null'], description: 'spark: the group a run without config_group uses; null for pandas' },
    },
    required: [...(collection.required ?? []), 'profiler', 'config_groups', 'default_group'],
  };
})();

export const edaRoutes = [
  defineRoute({
    id: 'get_eda_sources',
    method: 'GET',
    path: '/api/v1/edaSources',
    access: { permissions: ['read:datasets'] },
    dags: 'none',
    summary:
      'List the EDA sources, with how runs profile on this deployment: `profiler` `pandas` (local mode; a run takes no config_group) or `spark` (AWS: a Spark job on a config group\'s engine), and for Spark the config groups a run may name (name and engine type) and the default group (skydag).',
    response: SOURCES_SCHEMA,
    async handle({ deps }) {
      const service = eda(deps);
      const [list, profiler] = await Promise.all([service.list(), service.profiler()]);
      return { eda_sources: list, total_entries: list.length, ...profiler };
    },
  }),
  defineRoute({
    id: 'get_eda_source',
    method: 'GET',
    path: '/api/v1/edaSources/{name}',
    access: { permissions: ['read:datasets'] },
    dags: 'none',
    summary: 'One EDA source (skydag).',
    response: SOURCE_SCHEMA,
    async handle({ deps, params }) {
      return edaErrors(() => eda(deps).get(params.name!));
    },
  }),
  defineRoute<Record<string, never>, EdaSourceInput>({
    id: 'put_eda_source',
    method: 'PUT',
    path: '/api/v1/edaSources/{name}',
    access: { permissions: ['create:datasets'] },
    dags: 'none',
    summary: 'Register (or replace) an EDA source: a dataset of the repository, a file in the blob store, or a sqlite/postgres connection with a table or a read-only query (skydag).',
    body: {
      type: 'object',
      properties: {
        dataset: { type: 'object', properties: { name: { type: 'string' }, version: { type: ['integer', 'null'], minimum: 1 } }, required: ['name'], additionalProperties: false },
        blob_key: { type: 'string' },
        format: { type: 'string', enum: ['csv', 'tsv', 'xlsx'] },
        conn_id: { type: 'string' },
        table: { type: 'string' },
        query: { type: 'string', maxLength: 10_000 },
      },
      additionalProperties: false,
    },
    response: SOURCE_SCHEMA,
    audit: { event: 'eda_source.put' },
    async handle({ deps, params, body, principal }) {
      return edaErrors(() => eda(deps).put(params.name!, body, principal?.username ?? null));
    },
  }),
  defineRoute({
    id: 'delete_eda_source',
    method: 'DELETE',
    path: '/api/v1/edaSources/{name}',
    access: { permissions: ['delete:datasets'] },
    dags: 'none',
    summary: 'Delete an EDA source and its reports (skydag).',
    audit: { event: 'eda_source.delete', extra: (ctx) => ({ name: ctx.params.name }) },
    async handle({ deps, params }) {
      await edaErrors(() => eda(deps).delete(params.name!));
      return noContent();
    },
  }),
  defineRoute<Record<string, never>, { level?: string; config_group?: string }>({
    id: 'post_eda_run',
    method: 'POST',
    path: '/api/v1/edaSources/{name}/runs',
    access: { permissions: ['create:datasets', 'create:dag_runs'] },
    dags: 'none',
    summary: 'Profile an EDA source: writes its profiling DAG (eda__<name>__<level>) and triggers it; the report appears under …/reports/{report_id} when the run ends. In AWS the first run of a new or changed file answers 202 with state `deploying`: the run is created and started once the bucket\'s deployer has deployed the file (skydag).',
    body: {
      type: 'object',
      properties: {
        level: { type: 'string', enum: ['L0', 'L1'] },
        config_group: { type: 'string', maxLength: 64, description: 'AWS: the config group whose engine (EMR, EMR Serverless, Livy) runs the Spark profiler; default: the default group' },
      },
      additionalProperties: false,
    },
    response: {
      type: 'object',
      properties: {
        dag_id: { type: 'string' },
        dag_run_id: { type: 'string' },
        report_id: { type: 'string' },
        state: { type: ['string', 'null'], description: "the run's state; `deploying` (202, AWS): the DAG file is being deployed and the run is created and started as soon as it is" },
      },
      required: ['dag_id', 'dag_run_id', 'report_id', 'state'],
    },
    audit: { event: 'eda.run' },
    async handle({ deps, params, body, audit }) {
      const level = await edaErrors(async () => checkLevel(body.level ?? 'L0'));
      const dag = await edaErrors(() => eda(deps).dagFor(params.name!, level, body.config_group === undefined ? {} : { configGroup: body.config_group }));
      audit.dag_id = dag.dagId;
      // Whole seconds: the report folder is named by the run's ts_nodash.
      const logicalDate = new Date(Math.floor(deps.clock().getTime() / 1000) * 1000);
      const runId = edaRunId(tsNodash(logicalDate));
      audit.run_id = runId;
      if (deps.pendingRuns && (await deps.pendingRuns.list(dag.dagId)).some((p) => p.run_id === runId)) throw alreadyExists(`a ${level} run of '${params.name}' was asked for this second: try again`);
      const run = { dag, level, name: params.name!, logicalDate, runId };
      const { credentials } = dag;
      if (!credentials) return startEdaRun(deps, run);
      // A database source in AWS: the connection's secret goes to the run's own short-lived object, never into the DAG file or the run.
      const ts = tsNodash(logicalDate);
      await credentials.write(ts);
      try {
        return await startEdaRun(deps, run);
      } catch (error) {
        // 409: this second's run is another request's, which reads the same object (same key, same text).
        if (!(error instanceof ApiError && error.status === 409)) await credentials.discard(ts).catch(() => undefined);
        throw error;
      }
    },
  }),
  defineRoute({
    id: 'get_eda_reports',
    method: 'GET',
    path: '/api/v1/edaSources/{name}/reports',
    access: { permissions: ['read:datasets'] },
    dags: 'none',
    summary: "An EDA source's reports, newest first, with their runs' states (skydag).",
    response: collectionSchema('reports', REPORT_SCHEMA),
    async handle({ deps, params }) {
      const service = eda(deps);
      const found = await edaErrors(() => service.reports(params.name!));
      // A run that has not written its report yet (queued, running, or failed) is listed too.
      const runs: { level: (typeof EDA_LEVELS)[number]; dag_id: string; run_id: string; logical_date: string; state: string | null }[] = (
        await Promise.all(
          EDA_LEVELS.map(async (level) => (await deps.store.listDagRuns(edaDagId(params.name!, level), { limit: 100 })).map((r) => ({ ...r, level }))),
        )
      ).flat();
      // Runs asked for while their DAG file is being deployed (AWS) are listed as `deploying`.
      for (const level of EDA_LEVELS) {
        for (const p of (await deps.pendingRuns?.list(edaDagId(params.name!, level))) ?? []) {
          if (!runs.some((r) => r.run_id === p.run_id)) runs.push({ level, dag_id: p.dag_id, run_id: p.run_id, logical_date: p.logical_date, state: 'deploying' });
        }
      }
      const reports = mergeRunsIntoReports(found, runs);
      return { reports, total_entries: reports.length };
    },
  }),
  ...(['summary', 'html'] as const).map((what) =>
    defineRoute({
      id: what === 'summary' ? 'get_eda_report_summary' : 'get_eda_report_html',
      method: 'GET',
      path: `/api/v1/edaSources/{name}/reports/{report_id}/${what}`,
      access: { permissions: ['read:datasets'] },
      dags: 'none',
      summary: `${
        what === 'summary' ? "A report's JSON summary" : 'A report as HTML: every value escaped, no script, served with a Content-Security-Policy that forbids scripts'
      } (skydag). In AWS: a 302 to a presigned S3 URL valid for ${PRESIGNED_REPORT_SECONDS} s (\`redirect=false\`: the URL as JSON), so large reports do not pass through the Lambda; locally the ${what === 'summary' ? 'JSON' : 'page'} itself.`,
      query: { type: 'object', properties: { redirect: { type: 'boolean', default: true, description: 'false: answer {url, expires_in} instead of a redirect (AWS only)' } } },
      async handle({ deps, params, query }) {
        const service = eda(deps);
        const url = await edaErrors(() => service.reportLink(params.name!, params.report_id!, what, PRESIGNED_REPORT_SECONDS));
        if (url) {
          if ((query as { redirect?: boolean }).redirect === false) {
            return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify({ url, expires_in: PRESIGNED_REPORT_SECONDS }) };
          }
          return { status: 302, headers: { location: url, 'cache-control': 'no-store' }, body: '' };
        }
        const summary = await edaErrors(() => service.summary(params.name!, params.report_id!));
        if (what === 'summary') return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(summary) };
        return {
          status: 200,
          headers: { 'content-type': REPORT_HTML_TYPE, 'content-security-policy': REPORT_CSP, 'x-frame-options': 'SAMEORIGIN', 'referrer-policy': 'no-referrer' },
          body: renderReport(summary, reportTitle(params.name!, params.report_id!)),
        };
      },
    }),
  ),
];

/**
 * Writes the profiling DAG and triggers its run — at once when the DAG's current version was parsed
 * from exactly this text, else (AWS) as a pending run the deployer triggers once it deployed the file.
 */
async function startEdaRun(deps: ApiDeps, { dag, level, name, logicalDate, runId }: { dag: EdaDag; level: string; name: string; logicalDate: Date; runId: string }): Promise<ApiResponse | object> {
  const answer = { dag_id: dag.dagId, dag_run_id: runId, report_id: `${level}-${tsNodash(logicalDate)}` };
  const request = { runId, logicalDate, conf: {}, note: `EDA ${level} of ${name}` };
  const { pendingRuns } = deps;
  await deps.dagFiles.write(dag.filename, dag.content);
  // The run is of exactly this text: a version deployed from an earlier text of the file (another dataset version or config group) is not it.
  const digest = sourceDigest(dag.content);
  let deployed = await deployedWithSource(deps.store, dag.dagId, digest);
  let raced = false;
  if (!deployed) {
    // Locally the write has parsed the file: no DAG means it did not load.
    if (!pendingRuns) throw notFound('Not Found', `the profiling DAG ${dag.dagId} did not load: see the import errors of ${dag.filename}`);
    // AWS: the deployer deploys the file in a few seconds and then triggers the run (shared/deploy/pending-runs.ts).
    await pendingRuns.add({ dag_id: dag.dagId, run_id: runId, logical_date: logicalDate.toISOString(), conf: request.conf, note: request.note, fileloc: dag.filename, source_sha256: digest });
    // Look again: the deployer may have finished before the pending run was recorded.
    deployed = await deployedWithSource(deps.store, dag.dagId, digest);
    if (!deployed) return { status: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...answer, state: 'deploying' }) };
    await pendingRuns.remove(dag.dagId, runId);
    raced = true;
  }
  try {
    const run = await deps.launcher.trigger(deployed, request);
    return { ...answer, dag_run_id: run.run_id, state: run.state };
  } catch (error) {
    if (!(error instanceof DagRunExistsError)) throw error;
    // The deployer triggered it between our two looks: it is this request's run.
    const existing = raced ? await deps.store.getDagRun(dag.dagId, runId) : undefined;
    if (existing?.note === request.note) return { ...answer, state: existing.state };
    throw alreadyExists(`a ${level} run of '${name}' started this second: try again`);
  }
}
