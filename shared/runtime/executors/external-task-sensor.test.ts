import type { DagRunRecord, TaskInstanceRecord } from '../../model/records.js';
import type { PyValue } from '../../model/schema.js';
import { createExternalTaskSensor, externalStateLookupFromStore, type ExternalStateLookup } from './external-task-sensor.js';
import { FakeClock, makeRequest, makeTask, sensorSettings } from './test-request.js';
import { TaskFailedError, TaskNotRunnableError } from './types.js';

/** A fake lookup: states keyed by `dag|task|instant-ms` and `dag|instant-ms`, changeable between pokes. */
class FakeLookup implements ExternalStateLookup {
  readonly tasks = new Map<string, string | null>();
  readonly runs = new Map<string, string>();
  readonly queries: string[] = [];
  taskIdsByDag: Record<string, string[]> | undefined;
  setTask(dag: string, task: string, date: string, state: string | null) {
    this.tasks.set(`${dag}|${task}|${Date.parse(date)}`, state);
  }
  setRun(dag: string, date: string, state: string) {
    this.runs.set(`${dag}|${Date.parse(date)}`, state);
  }
  async taskState(dagId: string, taskId: string, logicalDate: string) {
    this.queries.push(`task ${dagId}.${taskId} @ ${logicalDate}`);
    return this.tasks.get(`${dagId}|${taskId}|${Date.parse(logicalDate)}`);
  }
  async runState(dagId: string, logicalDate: string) {
    this.queries.push(`run ${dagId} @ ${logicalDate}`);
    return this.runs.get(`${dagId}|${Date.parse(logicalDate)}`);
  }
}

class LookupWithTasks extends FakeLookup {
  constructor(private readonly ids: Record<string, string[]>) {
    super();
  }
  async dagTaskIds(dagId: string) {
    return this.ids[dagId];
  }
}

function request(args: Record<string, PyValue>, clock: FakeClock, softFail = false, timeout = 3600) {
  return makeRequest({
    task: makeTask({
      task_id: 'wait_for_etl',
      operator: 'ExternalTaskSensor',
      operator_kind: 'external_task_sensor',
      args,
      sensor: sensorSettings({ poke_interval_seconds: 60, timeout_seconds: timeout, soft_fail: softFail }),
    }),
    run: { logical_date: '2024-01-01T18:00:00+00:00', run_id: 'scheduled__2024-01-01T18:00:00+00:00' },
    now: clock.now,
  });
}

const hours = (h: number): PyValue => ({ $type: 'timedelta', seconds: h * 3600 });

describe('ExternalTaskSensor', () => {
  it('looks at own logical date − execution_delta and succeeds once the task succeeded', async () => {
    const clock = new FakeClock();
    const lookup = new FakeLookup();
    lookup.setTask('dag_1', 'process_supermarket', '2024-01-01T16:00:00Z', 'running');
    let waits = 0;
    const sleep = async (ms: number, signal: AbortSignal) => {
      await clock.sleep(ms, signal);
      if (++waits === 2) lookup.setTask('dag_1', 'process_supermarket', '2024-01-01T16:00:00Z', 'success');
    };
    const req = request({ external_dag_id: 'dag_1', external_task_id: 'process_supermarket', execution_delta: hours(2) }, clock);
    await expect(createExternalTaskSensor(lookup, { sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(lookup.queries).toEqual(Array(3).fill('task dag_1.process_supermarket @ 2024-01-01T16:00:00.000Z'));
    expect(req.log.infos()[0]).toBe("Poking for tasks ['process_supermarket'] in dag dag_1 on 2024-01-01T16:00:00+00:00 ... ");
  });

  it("reproduces the book's figure 6.20 pitfall: a 6 h delta looks for a 12:00 run that never exists", async () => {
    const clock = new FakeClock();
    const lookup = new FakeLookup();
    lookup.setTask('dag_1', 'process_supermarket', '2024-01-01T16:00:00Z', 'success');
    const req = request({ external_dag_id: 'dag_1', external_task_id: 'process_supermarket', execution_delta: hours(6) }, clock, false, 120);
    await expect(createExternalTaskSensor(lookup, { sleep: clock.sleep })(req)).rejects.toThrow('Sensor has timed out');
    expect(new Set(lookup.queries)).toEqual(new Set(['task dag_1.process_supermarket @ 2024-01-01T12:00:00.000Z']));
  });

  it('uses the same logical date without execution_delta, and waits for the whole run without a task id', async () => {
    const clock = new FakeClock();
    const lookup = new FakeLookup();
    lookup.setRun('etl', '2024-01-01T18:00:00Z', 'success');
    const req = request({ external_dag_id: 'etl' }, clock);
    await expect(createExternalTaskSensor(lookup, { sleep: clock.sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(lookup.queries).toEqual(['run etl @ 2024-01-01T18:00:00.000Z']);
    expect(req.log.infos()[0]).toBe("Poking for DAG 'etl' on 2024-01-01T18:00:00+00:00 ... ");
  });

  it('requires every listed task to be in an allowed state', async () => {
    const clock = new FakeClock();
    const lookup = new FakeLookup();
    const date = '2024-01-01T18:00:00Z';
    lookup.setTask('etl', 'a', date, 'success');
    lookup.setTask('etl', 'b', date, 'skipped');
    const sensor = createExternalTaskSensor(lookup, { sleep: clock.sleep });
    await expect(sensor(request({ external_dag_id: 'etl', external_task_ids: ['a', 'b'] }, clock, false, 60))).rejects.toThrow('Sensor has timed out');
    const other = new FakeClock();
    const sensor2 = createExternalTaskSensor(lookup, { sleep: other.sleep });
    await expect(
      sensor2(request({ external_dag_id: 'etl', external_task_ids: ['a', 'b'], allowed_states: ['success', 'skipped'] }, other)),
    ).resolves.toEqual({ outcome: 'success' });
  });

  it('fails when a watched task is in failed_states, or skips with soft_fail', async () => {
    const lookup = new FakeLookup();
    lookup.setTask('etl', 'load', '2024-01-01T18:00:00Z', 'failed');
    const args = { external_dag_id: 'etl', external_task_id: 'load', failed_states: ['failed', 'upstream_failed'] };
    const clock = new FakeClock();
    await expect(createExternalTaskSensor(lookup, { sleep: clock.sleep })(request(args, clock))).rejects.toThrow(
      new TaskFailedError("Some of the external tasks ['load'] in DAG etl failed."),
    );
    const soft = new FakeClock();
    await expect(createExternalTaskSensor(lookup, { sleep: soft.sleep })(request(args, soft, true))).resolves.toEqual({
      outcome: 'skipped',
      message: "Some of the external tasks ['load'] in DAG etl failed. Skipping due to soft_fail.",
    });
  });

  it('fails when the external DAG run failed', async () => {
    const lookup = new FakeLookup();
    lookup.setRun('etl', '2024-01-01T18:00:00Z', 'failed');
    const clock = new FakeClock();
    await expect(
      createExternalTaskSensor(lookup, { sleep: clock.sleep })(request({ external_dag_id: 'etl', failed_states: ['failed'] }, clock)),
    ).rejects.toThrow(new TaskFailedError('The external DAG etl failed.'));
  });

  it('skips when a watched task is in skipped_states', async () => {
    const lookup = new FakeLookup();
    lookup.setTask('etl', 'load', '2024-01-01T18:00:00Z', 'skipped');
    const clock = new FakeClock();
    await expect(
      createExternalTaskSensor(lookup, { sleep: clock.sleep })(request({ external_dag_id: 'etl', external_task_id: 'load', skipped_states: ['skipped'] }, clock)),
    ).resolves.toEqual({
      outcome: 'skipped',
      message: "Some of the external tasks ['load'] in DAG etl reached a state in our states-to-skip-on list. Skipping.",
    });
  });

  it('rejects execution_date_fn (a Python callable) with a hint', async () => {
    const clock = new FakeClock();
    const req = request(
      { external_dag_id: 'etl', execution_date_fn: { $type: 'callable', name: 'pick_date', file: 'dag.py', line: 3 } },
      clock,
    );
    await expect(createExternalTaskSensor(new FakeLookup(), { sleep: clock.sleep })(req)).rejects.toThrow(
      new TaskNotRunnableError(
        "ExternalTaskSensor 'wait_for_etl': execution_date_fn is a Python callable, which skydag's built-in ExternalTaskSensor cannot call. Use execution_delta (the other DAG’s logical date = this run’s logical date − execution_delta), or write the wait as a PythonSensor.",
      ),
    );
  });

  it('rejects invalid configurations as not runnable', async () => {
    const clock = new FakeClock();
    const sensor = createExternalTaskSensor(new FakeLookup(), { sleep: clock.sleep });
    await expect(sensor(request({ external_dag_id: 'e', external_task_id: 'a', external_task_ids: ['b'] }, clock))).rejects.toBeInstanceOf(TaskNotRunnableError);
    await expect(sensor(request({ external_dag_id: 'e', allowed_states: ['success'], failed_states: ['success'] }, clock))).rejects.toBeInstanceOf(
      TaskNotRunnableError,
    );
    await expect(sensor(request({ external_dag_id: 'e', external_task_ids: ['a', 'a'] }, clock))).rejects.toBeInstanceOf(TaskNotRunnableError);
    // `up_for_retry` is a task state, not a DAG run state.
    await expect(sensor(request({ external_dag_id: 'e', allowed_states: ['up_for_retry'] }, clock))).rejects.toThrow(
      'invalid state(s) up_for_retry; valid values when waiting for a DAG run are: queued, running, success, failed',
    );
  });

  it('checks existence once when asked and the lookup can list tasks', async () => {
    const lookup = new LookupWithTasks({ etl: ['extract', 'load'] });
    const clock = new FakeClock();
    const sensor = createExternalTaskSensor(lookup, { sleep: clock.sleep });
    await expect(sensor(request({ external_dag_id: 'nope', check_existence: true }, clock))).rejects.toThrow(
      new TaskFailedError('The external DAG nope does not exist.'),
    );
    await expect(sensor(request({ external_dag_id: 'etl', external_task_id: 'transform', check_existence: true }, clock))).rejects.toThrow(
      new TaskFailedError('The external task transform in DAG etl does not exist.'),
    );
  });

  it('waits for every task of external_task_group_id', async () => {
    const lookup = new LookupWithTasks({ etl: ['start', 'grp.a', 'grp.b', 'grp2.c'] });
    const date = '2024-01-01T18:00:00Z';
    lookup.setTask('etl', 'grp.a', date, 'success');
    lookup.setTask('etl', 'grp.b', date, 'running');
    const clock = new FakeClock();
    let waits = 0;
    const sleep = async (ms: number, signal: AbortSignal) => {
      await clock.sleep(ms, signal);
      if (++waits === 1) lookup.setTask('etl', 'grp.b', date, 'success');
    };
    const req = request({ external_dag_id: 'etl', external_task_group_id: 'grp' }, clock);
    await expect(createExternalTaskSensor(lookup, { sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(lookup.queries).toEqual([
      'task etl.grp.a @ 2024-01-01T18:00:00.000Z',
      'task etl.grp.b @ 2024-01-01T18:00:00.000Z',
      'task etl.grp.a @ 2024-01-01T18:00:00.000Z',
      'task etl.grp.b @ 2024-01-01T18:00:00.000Z',
    ]);
    await expect(
      createExternalTaskSensor(new FakeLookup(), { sleep: clock.sleep })(request({ external_dag_id: 'etl', external_task_group_id: 'grp' }, clock)),
    ).rejects.toBeInstanceOf(TaskNotRunnableError);
  });
});

describe('externalStateLookupFromStore', () => {
  const run = (dag: string, logical: string, state: DagRunRecord['state']): DagRunRecord =>
    ({ dag_id: dag, run_id: `scheduled__${logical}`, logical_date: logical, state }) as DagRunRecord;
  const runs = [run('etl', '2024-01-01T16:00:00+00:00', 'success'), run('etl', '2024-01-02T16:00:00+00:00', 'running')];
  const store = {
    async listDagRuns(dagId: string, options: { logicalDateBefore?: string; limit?: number } = {}) {
      return runs
        .filter((r) => r.dag_id === dagId && (!options.logicalDateBefore || Date.parse(r.logical_date) < Date.parse(options.logicalDateBefore)))
        .sort((a, b) => Date.parse(b.logical_date) - Date.parse(a.logical_date))
        .slice(0, options.limit ?? Infinity);
    },
    async getTaskInstance(dagId: string, runId: string, taskId: string) {
      return runId === 'scheduled__2024-01-01T16:00:00+00:00' && taskId === 'load' ? ({ state: 'success' } as TaskInstanceRecord) : undefined;
    },
  };

  it('finds the run at exactly the logical date (compared as instants)', async () => {
    const lookup = externalStateLookupFromStore(store);
    expect(await lookup.runState('etl', '2024-01-01T16:00:00.000Z')).toBe('success');
    expect(await lookup.runState('etl', '2024-01-02T16:00:00.000Z')).toBe('running');
    expect(await lookup.runState('etl', '2024-01-01T17:00:00.000Z')).toBeUndefined();
    expect(await lookup.taskState('etl', 'load', '2024-01-01T16:00:00.000Z')).toBe('success');
    expect(await lookup.taskState('etl', 'load', '2024-01-03T16:00:00.000Z')).toBeUndefined();
  });
});
