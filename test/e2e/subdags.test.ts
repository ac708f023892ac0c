/**
 * SubDagOperator end to end (test/fixtures/e2e/subdags.py), as Airflow 2.10 runs it: the sub-DAG
 * (`<parent>.<task_id>`, collected from the operator) runs as a `scheduled__` run at the parent's
 * logical date with the operator's `conf`; the operator succeeds only when that run succeeds, and
 * `propagate_skipped_state` skips its downstream tasks when the sub-DAG's leaves were skipped.
 */
import { compileDag } from '../../shared/compiler/compile.js';
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { schedulePass } from '../../shared/scheduling/scheduler.js';
import { dagRecordFor, VERSION } from '../../shared/scheduling/test-support.js';
import { runDag, scan, statesAndTries, summarizeRun, tryLog, useE2eRuntime } from './support.js';
import { join } from 'node:path';

const e2e = useE2eRuntime();
const DATE = new Date('2024-03-05T00:00:00Z');

it('collects each sub-DAG as a DAG with its parent, never scheduled on its own', () => {
  const dags = scan(join(__dirname, '../fixtures/e2e')).dags;
  const sub = dags.get('e2e_subdag.section-1')!.dag;
  expect(sub.parent_dag_id).toBe('e2e_subdag');
  expect(sub.schedule).toMatchObject({ type: 'cron' });
  expect(compileDag(sub).eventbridge_schedule).toBeNull();
  expect(compileDag({ ...sub, parent_dag_id: undefined }).eventbridge_schedule).not.toBeNull();
  expect(dags.get('e2e_subdag')!.dag.tasks.find((t) => t.task_id === 'section-1')).toMatchObject({ operator_kind: 'subdag', args: { subdag: 'e2e_subdag.section-1', conf: { from: 'parent' } } });
});

it('the scheduling pass never creates runs of a sub-DAG on its own (its @daily schedule is the parent\'s business)', async () => {
  const store = new MemoryMetadataStore();
  const sub = scan(join(__dirname, '../fixtures/e2e')).dags.get('e2e_subdag.section-1')!.dag;
  await store.putDag({ ...dagRecordFor(sub), is_paused: false });
  await store.putDagVersion({ dag_id: sub.dag_id, version: VERSION, created_at: '2024-01-01T00:00:00.000Z', fileloc: 'subdags.py', model: sub, source: '' } as never);
  const pass = await schedulePass({ store, now: new Date('2024-03-05T12:00:00Z'), startRun: async () => undefined, dagModel: async () => sub });
  expect(pass.errors).toEqual([]);
  expect(pass.created).toEqual([]);
  // The same DAG without a parent would have had its daily runs.
  const alone = await schedulePass({ store, now: new Date('2024-03-05T12:00:00Z'), startRun: async () => undefined, dagModel: async () => ({ ...sub, parent_dag_id: undefined }) });
  expect(alone.created.length).toBeGreaterThan(0);
});

it('runs the sub-DAG at the parent logical date with the conf, then the downstream task', async () => {
  const { run, tasks } = await runDag(e2e.runtime, 'e2e_subdag', { logicalDate: DATE });
  expect(run.state).toBe('success');
  expect(statesAndTries(tasks)).toEqual({ start: ['success', 1], 'section-1': ['success', 1], end: ['success', 1] });
  const [child] = await e2e.runtime.store.listDagRuns('e2e_subdag.section-1', {});
  expect(child).toMatchObject({ run_id: 'scheduled__2024-03-05T00:00:00+00:00', run_type: 'scheduled', external_trigger: true, state: 'success', logical_date: DATE.toISOString() });
  const sub = await summarizeRun(e2e.runtime, child!);
  expect(sub.show!.xcom.return_value).toEqual({ conf: { from: 'parent' }, ds: '2024-03-05', run_type: 'scheduled' });
  expect(sub.echo_ds!.xcom.return_value).toBe('2024-03-05');
});

it('fails the operator when the sub-DAG run fails (each try re-runs it), and its downstream is upstream_failed', async () => {
  const { run, tasks } = await runDag(e2e.runtime, 'e2e_subdag_fail', { logicalDate: DATE });
  expect(run.state).toBe('failed');
  expect(statesAndTries(tasks)).toEqual({ broken: ['failed', 2], end: ['upstream_failed', 0] });
  const children = await e2e.runtime.store.listDagRuns('e2e_subdag_fail.broken', {});
  expect(children.map((c) => [c.run_id, c.state])).toEqual([['scheduled__2024-03-05T00:00:00+00:00', 'failed']]);
  const log = await tryLog(e2e.runtime, run, 'broken', 2);
  expect(log).toContain('Started run scheduled__2024-03-05T00:00:00+00:00 of DAG e2e_subdag_fail.broken');
  expect(log).toMatch(/child execution scheduled__2024-03-05T00-00-00-00-00-g\d+-\w+ of skydag-e2e_subdag_fail_broken@\w+ failed: Skydag.DagRunFailed/);
});

it("skips the operator's downstream tasks when every leaf of the sub-DAG was skipped (propagate_skipped_state)", async () => {
  const { run, tasks } = await runDag(e2e.runtime, 'e2e_subdag_skip', { logicalDate: DATE });
  expect(statesAndTries(tasks)).toEqual({ gated: ['success', 1], after: ['skipped', 0] });
  expect(run.state).toBe('success');
});

it("runs Airflow's example shape, whose sub-DAGs come from airflow.example_dags.subdags.subdag (read by the reader, imported by the tasks)", async () => {
  const dags = scan(join(__dirname, '../fixtures/e2e')).dags;
  const section = dags.get('e2e_example_subdag.section-1')!.dag;
  expect(section).toMatchObject({ parent_dag_id: 'e2e_example_subdag', start_date: '2021-01-01T00:00:00+00:00', catchup: false });
  expect(section.tasks.map((t) => [t.task_id, t.retries])).toEqual([1, 2, 3, 4, 5].map((i) => [`section-1-task-${i}`, 2]));
  const result = await runDag(e2e.runtime, 'e2e_example_subdag', { logicalDate: DATE });
  expect(result.run.state).toBe('success');
  expect(statesAndTries(result.tasks)).toEqual({ start: ['success', 1], 'section-1': ['success', 1], 'some-other-task': ['success', 1], 'section-2': ['success', 1], end: ['success', 1] });
}, 120_000);
