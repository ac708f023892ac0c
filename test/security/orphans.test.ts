/**
 * Orphans and fencing (issue 7, item 8): a task process left running by a platform that died is
 * stopped before its task runs again, a late result of an old try cannot overwrite the current one,
 * and a run whose DAG file is deleted ends (failed, with the reason) instead of staying running.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRuntime } from '../../local/engine/local-runtime.js';
import { processGroupAlive } from '../../shared/runtime/executors/process-group.js';
import { TaskTimeoutError } from '../../shared/runtime/executors/types.js';
import { makeDag, makeTask } from '../helpers/model.js';
import { startPlatform } from '../../local/platform/platform.js';
import { call, login, startPlatformProcess, waitFor, waitForRunEnd, type PlatformProcess } from './support.js';

const PASSWORD = 'orphans-Adm1n-pw';

/**
 * A DAG whose task records its try and pid in `<markers>/<dag>.started`, sleeps (try 1: `seconds`,
 * later tries: 1 s), then records its try in `<markers>/<dag>.finished`.
 */
function markerDag(dagId: string, markers: string, seconds: number): string {
  const file = join(markers, dagId);
  return `
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("${dagId}", start_date=datetime(2024, 1, 1), schedule=None, is_paused_upon_creation=False) as dag:
    work = BashOperator(
        task_id="work",
        bash_command="echo $AIRFLOW_CTX_TRY_NUMBER $$ >> ${file}.started; sleep $(( AIRFLOW_CTX_TRY_NUMBER == 1 ? ${seconds} : 1 )); echo $AIRFLOW_CTX_TRY_NUMBER >> ${file}.finished",
    )
    after = BashOperator(task_id="after", bash_command="echo after")
    work >> after
`;
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

describe('orphaned task processes and deleted DAG files', () => {
  let root: string;
  let home: string;
  let dags: string;
  let markers: string;
  const started = (dagId: string) => lines(join(markers, `${dagId}.started`));
  const finished = (dagId: string) => lines(join(markers, `${dagId}.finished`));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'skydag-orphans-'));
    home = join(root, '.skydag');
    dags = join(root, 'dags');
    markers = join(root, 'markers');
    mkdirSync(dags);
    mkdirSync(markers);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Triggers a run and waits until its `work` task has started; returns the task's pid (its group's id). */
  async function triggerAndWaitForWork(platform: { url: string }, token: string, dagId: string, runId: string): Promise<number> {
    expect((await call(platform, 'POST', `/api/v1/dags/${dagId}/dagRuns`, { token, body: { dag_run_id: runId } })).status).toBe(200);
    const line = await waitFor(`${dagId}'s task to start`, async () => started(dagId)[0]);
    return Number(line.split(' ')[1]);
  }

  const taskStates = async (platform: { url: string }, token: string, dagId: string, runId: string) =>
    Object.fromEntries(
      ((await call(platform, 'GET', `/api/v1/dags/${dagId}/dagRuns/${runId}/taskInstances`, { token })).json.task_instances as { task_id: string; state: string; try_number: number }[]).map((t) => [
        t.task_id,
        `${t.state}@${t.try_number}`,
      ]),
    );

  it('after a crash, stops the task processes the dead platform left before their tasks run again, and ends the runs of DAG files deleted meanwhile', async () => {
    writeFileSync(join(dags, 'orphan.py'), markerDag('orphan', markers, 30));
    writeFileSync(join(dags, 'gone.py'), markerDag('gone', markers, 30));
    let platform: PlatformProcess = await startPlatformProcess({ dags, home, env: { SKYDAG_ADMIN_PASSWORD: PASSWORD } });
    let token = await login(platform, 'admin', PASSWORD);
    const orphanPid = await triggerAndWaitForWork(platform, token, 'orphan', 'crashed');
    const gonePid = await triggerAndWaitForWork(platform, token, 'gone', 'left_running');
    await platform.kill();
    // The platform died; its tasks did not.
    expect(processGroupAlive(orphanPid)).toBe(true);
    expect(processGroupAlive(gonePid)).toBe(true);
    unlinkSync(join(dags, 'gone.py'));

    platform = await startPlatformProcess({ dags, home, env: { SKYDAG_ADMIN_PASSWORD: PASSWORD } });
    try {
      token = await login(platform, 'admin', PASSWORD);
      const run = await waitForRunEnd(platform, token, 'orphan', 'crashed');
      expect(run.state).toBe('success');
      expect(processGroupAlive(orphanPid)).toBe(false);
      // Try 1 started and was stopped: only try 2 finished.
      expect(started('orphan').map((l) => l.split(' ')[0])).toEqual(['1', '2']);
      expect(finished('orphan')).toEqual(['2']);
      expect(await taskStates(platform, token, 'orphan', 'crashed')).toEqual({ work: 'success@2', after: 'success@1' });
      const log1 = (await call(platform, 'GET', '/api/v1/dags/orphan/dagRuns/crashed/taskInstances/work/logs/1', { token })).json.content as string;
      expect(log1).toContain(`its process group ${orphanPid} was still running and has been stopped`);
      expect(existsSync(join(home, 'run', 'tasks', `${orphanPid}.json`))).toBe(false);

      const gone = await waitForRunEnd(platform, token, 'gone', 'left_running');
      expect(gone.state).toBe('failed');
      expect(gone.note).toBe("The DAG file gone.py of DAG 'gone' was deleted while run left_running was running; the run was stopped");
      expect(await taskStates(platform, token, 'gone', 'left_running')).toEqual({ work: 'failed@1', after: 'removed@0' });
      expect(processGroupAlive(gonePid)).toBe(false);
      expect(finished('gone')).toEqual([]);
    } finally {
      await platform.stop();
    }
  }, 180_000);

  it('ends a run whose DAG file is deleted while it runs: the running try is stopped, the rest removed, the run failed with the reason', async () => {
    writeFileSync(join(dags, 'doomed.py'), markerDag('doomed', markers, 30));
    const platform = await startPlatform({ dagsFolder: dags, home, port: 0, adminPassword: PASSWORD, version: 'test', tickSeconds: 1, log: () => undefined });
    try {
      const token = await login(platform, 'admin', PASSWORD);
      const pid = await triggerAndWaitForWork(platform, token, 'doomed', 'running_when_deleted');
      unlinkSync(join(dags, 'doomed.py'));

      const run = await waitForRunEnd(platform, token, 'doomed', 'running_when_deleted');
      expect(run.state).toBe('failed');
      expect(run.note).toBe("The DAG file doomed.py of DAG 'doomed' was deleted while run running_when_deleted was running; the run was stopped");
      expect(await taskStates(platform, token, 'doomed', 'running_when_deleted')).toEqual({ work: 'failed@1', after: 'removed@0' });
      const workLog = (await call(platform, 'GET', '/api/v1/dags/doomed/dagRuns/running_when_deleted/taskInstances/work/logs/1', { token })).json.content as string;
      expect(workLog).toContain("The DAG file doomed.py of DAG 'doomed' was deleted");
      expect(workLog).toContain('the running try was stopped; marking the task as FAILED');
      await waitFor('the task process to be gone', async () => (processGroupAlive(pid) ? undefined : true), 15_000);
      expect(finished('doomed')).toEqual([]);
    } finally {
      await platform.close();
    }
  }, 120_000);
});

describe('fencing by try number', () => {
  it('a late XCom push of a timed-out try cannot overwrite what the current try pushed', async () => {
    let lateAttempted: () => void = () => undefined;
    const latePush = new Promise<void>((resolve) => (lateAttempted = resolve));
    const runtime = new LocalRuntime({
      dagsFolder: tmpdir(),
      logsDir: mkdtempSync(join(tmpdir(), 'skydag-fencing-')),
      render: async (request) => request.task.args,
      executorFor: () => async (request) => {
        if (request.tryNumber === 1) {
          // A hung try: it ignores the stop, and pushes long after execution_timeout ended it.
          setTimeout(() => void request.services.xcomPush('result', 'from try 1').finally(lateAttempted), 800);
          return new Promise(() => undefined);
        }
        await request.services.xcomPush('result', 'from try 2');
        return { outcome: 'success', returnValue: 'try 2' };
      },
    });
    runtime.register(makeDag('fenced', [makeTask('t', { operator: 'PythonOperator', operator_kind: 'python', retries: 1, retry_delay_seconds: 0, execution_timeout_seconds: 0.3 })]));
    const { run, taskInstances } = await runtime.runDag('fenced');
    expect(run.state).toBe('success');
    expect(taskInstances[0]).toMatchObject({ state: 'success', try_number: 2 });
    expect(await runtime.logs.read('fenced', run.run_id, 't', 1)).toContain(new TaskTimeoutError('execution_timeout of 0.3 s exceeded').message);
    await latePush;
    expect((await runtime.store.getXCom('fenced', run.run_id, 't', 'result'))?.value).toBe('from try 2');
    expect((await runtime.store.getXCom('fenced', run.run_id, 't', 'return_value'))?.value).toBe('try 2');
  });

  it("ending a removed DAG's run gives back the pool slots its stopped tries held", async () => {
    const runtime = new LocalRuntime({
      pools: { slots: async () => 1 },
      dagsFolder: tmpdir(),
      logsDir: mkdtempSync(join(tmpdir(), 'skydag-fencing-')),
      render: async (request) => request.task.args,
      // Runs until stopped.
      executorFor: () => (request) => new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason))),
    });
    const pooled = (id: string) => makeTask(id, { operator: 'PythonOperator', operator_kind: 'python', pool: 'p' });
    runtime.register(makeDag('pooled', [pooled('hold'), pooled('later')], [['hold', 'later']]));
    const run = await runtime.trigger('pooled');
    const executing = runtime.execute(run);
    await waitFor('the task to run', async () => ((await runtime.store.getTaskInstance('pooled', run.run_id, 'hold'))?.state === 'running' ? true : undefined));
    await runtime.endRemovedRun(run, "The DAG file pooled.py of DAG 'pooled' was deleted while run x was running; the run was stopped");
    const outcome = await executing;
    expect(outcome.run.state).toBe('failed');
    expect(Object.fromEntries(outcome.taskInstances.map((t) => [t.task_id, t.state]))).toEqual({ hold: 'failed', later: 'removed' });
    expect(await runtime.store.listSlotHolders('pool:p')).toEqual([]);
  });
});
