import validator from 'asl-validator';
import { makeDag, makeTask } from '../../test/helpers/model.js';
import type { Dag, Task } from '../model/schema.js';
import type { AslState, ParallelState, StateMachineDefinition, TaskState } from './asl.js';
import { chainsOf } from './chains.js';
import { compileDag, XCOM_MAP_INLINE_EVENTS } from './compile.js';
import { worstCaseIndexEvents } from './estimate.js';
import { LAMBDA_LIMIT_SECONDS } from './compute.js';
import { FARGATE_HEARTBEAT_SECONDS, LIVY_MAX_HANDED_OFF_POLL_SECONDS, Resource, RUNNER_CONTAINER, WAIT_HEARTBEAT_MARGIN_SECONDS } from './resources.js';

/** Every state of a definition, walked (the compiler counts them without walking). */
const statesIn = (d: { States: Record<string, AslState> }): number =>
  Object.values(d.States).reduce((n, st) => n + 1 + (st.Type === 'Parallel' ? st.Branches.reduce((m, b) => m + statesIn(b), 0) : st.Type === 'Map' ? statesIn(st.ItemProcessor) : 0), 0);

/** asl-validator annotates the definition it checks (adds QueryLanguage), so it gets a copy. */
function expectValidAsl(definition: StateMachineDefinition): void {
  const result = validator(structuredClone(definition) as never);
  expect(result.errors ?? []).toEqual([]);
  expect(result.isValid).toBe(true);
}

const bash = (id: string, extra = {}) => makeTask(id, { operator: 'BashOperator', operator_kind: 'bash', args: { bash_command: 'true' }, ...extra });

describe('compileDag', () => {
  it('compiles a two-task DAG to the exact block shape (golden)', () => {
    // GIVEN extract >> load, where load may retry
    const dag = makeDag('etl', [bash('extract'), bash('load', { retries: 2, execution_timeout_seconds: 90.5 })], [['extract', 'load']]);
    // WHEN compiled
    const compiled = compileDag(dag);
    // THEN one machine: a Parallel with one branch (a chain), then finalize
    expect(compiled.machines).toHaveLength(1);
    const main = compiled.machines[0]!;
    expect(main).toMatchObject({ name: 'skydag-etl', role: 'main', task_ids: ['extract', 'load'] });
    expectValidAsl(main.definition);
    const parallel = main.definition.States['Run tasks'] as ParallelState;
    expect(parallel.Branches).toHaveLength(1);
    const branch = parallel.Branches[0]!;
    expect(branch.StartAt).toBe('extract.prepare');
    expect(Object.keys(branch.States)).toEqual([
      'extract.prepare', 'extract.decide', 'extract.execute', 'extract.complete', 'extract.fail', 'extract.retry', 'extract.retry_wait', 'extract.control_failed', 'extract.control_lost',
      'load.prepare', 'load.decide', 'load.execute', 'load.complete', 'load.fail', 'load.retry', 'load.retry_wait', 'load.control_failed', 'load.control_lost',
      'extract.end',
    ]);
    expect(branch.States['load.prepare']).toStrictEqual({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: '${SkydagControlFunctionArn}', Payload: { action: 'prepare', 'run.$': '$.run', task_id: 'load', 'token.$': '$$.Task.Token' } },
      ResultPath: '$.prepared',
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: 'FULL' }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'load.control_failed' }],
      Next: 'load.decide',
    });
    // a control handler that keeps failing fails its task (try -1), and failing that, the branch (then the run is finalized with the error)
    expect(branch.States['load.fail']).toMatchObject({ Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'load.control_failed' }] });
    expect(branch.States['load.control_failed']).toMatchObject({
      Parameters: { Payload: { action: 'fail', task_id: 'load', try_number: -1, 'error.$': '$.error' } },
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'load.control_lost' }],
      Next: 'extract.end',
    });
    expect(branch.States['load.control_lost']).toMatchObject({ Type: 'Fail', Error: 'Skydag.ControlPlaneFailed' });
    expect(parallel.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Finalize run after an error' }]);
    expect(main.definition.States['Finalize run after an error']).toMatchObject({ Parameters: { Payload: { action: 'finalize', engine_error: { 'error.$': '$.error.Error', 'cause.$': '$.error.Cause' } } }, Next: 'Run outcome' });
    // a skipped or upstream_failed extract goes straight on to load's prepare
    expect(branch.States['extract.decide']).toMatchObject({ Default: 'load.prepare', Choices: [{ Variable: '$.prepared.decision', StringEquals: 'run', Next: 'extract.execute' }] });
    expect(branch.States['load.execute']).toMatchObject({ TimeoutSeconds: 91, Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'load.fail' }], Next: 'load.complete' });
    expect(branch.States['load.retry_wait']).toStrictEqual({ Type: 'Wait', SecondsPath: '$.failure.delay_seconds', Next: 'load.prepare' });
    // extract's complete decides load (its only upstream task) and goes straight to load's decide;
    // load enters its prepare only when it must wait (and on retries)
    expect(branch.States['extract.complete']).toStrictEqual({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: '${SkydagControlFunctionArn}',
        Payload: { action: 'complete', 'run.$': '$.run', task_id: 'extract', 'try_number.$': '$.prepared.try_number', 'result.$': '$.result.payload', next_task_id: 'load' },
      },
      ResultSelector: { 'decision.$': '$.Payload.decision', 'try_number.$': '$.Payload.try_number' },
      ResultPath: '$.prepared',
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: 'FULL' }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'extract.fail' }],
      Next: 'load.decide',
    });
    expect(branch.States['load.decide']).toStrictEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.prepared.decision', StringEquals: 'run', Next: 'load.execute' },
        { Variable: '$.prepared.decision', StringEquals: 'wait', Next: 'load.prepare' },
      ],
      Default: 'extract.end',
    });
    // the last task's complete ends the branch; its other paths go through the end state
    expect(branch.States['load.complete']).toMatchObject({ End: true });
    expect(branch.States['load.complete']).not.toHaveProperty('Next');
    expect(branch.States['load.retry']).toMatchObject({ Default: 'extract.end' });
    expect(main.definition.States['Run outcome']).toMatchObject({ Default: 'Run failed' });
  });

  it('hands a task off from its upstream task only when nothing else can hold it', () => {
    const handedOff = (dag: Dag, id: string) => {
      const branches = (compileDag(dag).machines[0]!.definition.States['Run tasks'] as ParallelState).Branches;
      const states = Object.assign({}, ...branches.map((b) => b.States)) as Record<string, AslState>;
      return (states[`${id}.decide`] as { Choices: { StringEquals?: string }[] }).Choices.some((c) => c.StringEquals === 'wait');
    };
    const chain = (b: Task, options: Partial<Dag> = {}) => makeDag('h', [bash('a'), b], [['a', b.task_id]], options);
    expect(handedOff(chain(bash('b')), 'b')).toBe(true);
    expect(handedOff(chain(bash('b', { trigger_rule: 'none_failed' })), 'b')).toBe(true);
    expect(handedOff(chain(bash('b')), 'a')).toBe(false); // a chain's head waits on its token
    expect(handedOff(chain(bash('b', { pool: 'etl' })), 'b')).toBe(false);
    expect(handedOff(chain(bash('b', { depends_on_past: true })), 'b')).toBe(false);
    expect(handedOff(chain(bash('b', { trigger_rule: 'all_failed' })), 'b')).toBe(false); // a success upstream skips it
    expect(handedOff(chain(bash('b'), { max_active_tasks: 1 }), 'b')).toBe(true); // the hand-off takes its slot (or it waits in its prepare)
    expect(handedOff(chain(bash('b', { expand: { kind: 'kwargs', value: { bash_command: ['true'] }, target: 'args' } })), 'b')).toBe(false);
    // two upstream tasks: not a chain
    expect(handedOff(makeDag('h', [bash('a'), bash('x'), bash('b')], [['a', 'b'], ['x', 'b']]), 'b')).toBe(false);
  });

  it('compiles a mapped task to prepare → Map of per-index blocks → complete, max_active_tis_per_dag as MaxConcurrency', () => {
    const expand = { kind: 'kwargs' as const, value: { bash_command: ['echo 1', 'echo 2'] }, target: 'args' as const };
    const dag = makeDag('mapped', [bash('fan', { expand, retries: 1, max_active_tis_per_dag: 2, execution_timeout_seconds: 60 }), bash('after')], [['fan', 'after']]);
    const compiled = compileDag(dag);
    const main = compiled.machines[0]!;
    expectValidAsl(main.definition);
    expect(compiled.report.states).toBe(statesIn(main.definition));
    const branch = (main.definition.States['Run tasks'] as ParallelState).Branches[0]!;
    expect(Object.keys(branch.States).filter((n) => n.startsWith('fan.'))).toEqual(['fan.prepare', 'fan.decide', 'fan.map', 'fan.complete', 'fan.control_failed', 'fan.control_lost', 'fan.end']);
    expect(branch.States['fan.decide']).toMatchObject({ Default: 'after.prepare', Choices: [{ Variable: '$.prepared.decision', StringEquals: 'run', Next: 'fan.map' }] });
    const map = branch.States['fan.map'] as Extract<AslState, { Type: 'Map' }>;
    expect(map).toMatchObject({
      ItemsPath: '$.prepared.map_indexes',
      ItemSelector: { 'run.$': '$.run', 'map_index.$': '$$.Map.Item.Value' },
      MaxConcurrency: 2,
      ResultPath: null,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'fan.control_failed' }],
      Next: 'fan.complete',
    });
    const each = map.ItemProcessor;
    expect(each.StartAt).toBe('fan.map.prepare');
    // Each index: its own try (prepare_index, no token to wait on), execute, complete, fail → retry → wait → prepare.
    expect(each.States['fan.map.prepare']).toMatchObject({ Resource: Resource.LAMBDA_INVOKE, Parameters: { Payload: { action: 'prepare_index', task_id: 'fan', 'map_index.$': '$.map_index' } }, Next: 'fan.map.decide' });
    expect(each.States['fan.map.execute']).toMatchObject({ Parameters: { Payload: { action: 'execute', task_id: 'fan', 'map_index.$': '$.map_index', 'try_number.$': '$.prepared.try_number' } } });
    expect(each.States['fan.map.fail']).toMatchObject({ Parameters: { Payload: { action: 'fail', 'map_index.$': '$.map_index' } }, Next: 'fan.map.retry' });
    expect(each.States['fan.map.retry_wait']).toMatchObject({ Next: 'fan.map.prepare' });
    expect(each.States['fan.map.complete']).toMatchObject({ Next: 'fan.map.end' });
    expect(each.States['fan.map.end']).toEqual({ Type: 'Succeed' });
    // After the Map: the task's own complete (no map_index) records its summary and decides 'after'.
    expect(branch.States['fan.complete']).toMatchObject({ Parameters: { Payload: { action: 'complete', task_id: 'fan', 'try_number.$': '$.prepared.try_number' } }, Next: 'after.prepare' });
    expect((branch.States['fan.complete'] as TaskState).Parameters).not.toHaveProperty('Payload.map_index.$');
    expect((each.States['fan.map.prepare'] as TaskState).Parameters).not.toHaveProperty('Payload.group_mapped');
  });

  it("compiles each task of a mapped task group to a Map whose indexes decide by their trigger rule (group_mapped)", () => {
    const expand = { kind: 'kwargs' as const, value: { x: [1, 2] }, target: 'group' as const, group_id: 'g' };
    const dag = makeDag('grouped', [bash('g.a', { expand, bash_command: 'true' }), bash('g.b', { expand, bash_command: 'true' })], [['g.a', 'g.b']]);
    const main = compileDag(dag).machines[0]!;
    expectValidAsl(main.definition);
    const states = JSON.stringify(main.definition);
    for (const id of ['g.a', 'g.b']) expect(states).toContain(`"action":"prepare_index","run.$":"$.run","task_id":"${id}","map_index.$":"$.map_index","group_mapped":true`);
  });

  it('gives every chain its own branch so non-series-parallel DAGs keep full parallelism', () => {
    // W shape: a>>c, b>>c, b>>d, e>>d — not series-parallel
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const dag = makeDag('w', ids.map((id) => bash(id)), [['a', 'c'], ['b', 'c'], ['b', 'd'], ['e', 'd']]);
    expect(chainsOf(dag.tasks).map((c) => c.map((t) => t.task_id))).toEqual([['a'], ['b'], ['e'], ['c'], ['d']]);
    const compiled = compileDag(dag);
    expectValidAsl(compiled.machines[0]!.definition);
    expect((compiled.machines[0]!.definition.States['Run tasks'] as ParallelState).Branches).toHaveLength(5);
  });

  it('compresses straight runs into one chain', () => {
    const dag = makeDag('c', ['a', 'b', 'c', 'd', 'x'].map((id) => bash(id)), [['a', 'b'], ['b', 'c'], ['c', 'd'], ['a', 'x']]);
    expect(chainsOf(dag.tasks).map((c) => c.map((t) => t.task_id))).toEqual([['a'], ['b', 'c', 'd'], ['x']]);
  });

  it('compiles each operator family to its execute shape', () => {
    const tasks = [
      makeTask('noop'),
      makeTask('sensor', { operator: 'FileSensor', operator_kind: 'file_sensor', sensor: { poke_interval_seconds: 5, timeout_seconds: 60, mode: 'poke', soft_fail: false, exponential_backoff: false } }),
      makeTask('spark', { operator: 'CoutureSparkOperator', operator_kind: 'couture_spark' }),
      makeTask('child', { operator: 'DagOperator', operator_kind: 'dag_operator' }),
      makeTask('docker', { operator: 'DockerOperator', operator_kind: 'unsupported' }),
    ];
    const compiled = compileDag(makeDag('kinds', tasks));
    const def = compiled.machines[0]!.definition;
    expectValidAsl(def);
    const states = Object.assign({}, ...(def.States['Run tasks'] as ParallelState).Branches.map((b) => b.States)) as Record<string, TaskState>;
    expect(states['noop.execute']).toBeUndefined();
    expect(states['noop.decide']).toMatchObject({ Choices: [{ Next: 'noop.complete' }] });
    expect(states['sensor.execute']!.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(states['spark.emr_step']!.Resource).toBe('arn:aws:states:::elasticmapreduce:addStep.sync');
    expect(states['spark.emr_serverless']!.Resource).toBe('arn:aws:states:::emr-serverless:startJobRun.sync');
    expect(states['child.run_child']).toMatchObject({ Type: 'Map', MaxConcurrency: 1, ItemsPath: '$.started.payload.runs' });
    expect(states['docker.execute']!.Resource).toBe('arn:aws:states:::lambda:invoke');
  });

  it('limits a task only by its execution_timeout: no other TimeoutSeconds, heartbeats only on Fargate and token waits, no 12-hour EMR Serverless default', () => {
    const spark = (id: string, extra: Partial<Task> = {}) => makeTask(id, { operator: 'CoutureSparkOperator', operator_kind: 'couture_spark', ...extra });
    const sensor = { poke_interval_seconds: 60, timeout_seconds: 604800, mode: 'poke' as const, soft_fail: false, exponential_backoff: false };
    const tasks = [
      bash('plain'),
      bash('limited', { execution_timeout_seconds: 90.5 }),
      makeTask('sensor', { operator: 'FileSensor', operator_kind: 'file_sensor', sensor }),
      spark('spark'),
      spark('spark_limited', { execution_timeout_seconds: 3 * 3600 + 1 }),
      makeTask('child', { operator: 'DagOperator', operator_kind: 'dag_operator' }),
    ];
    const def = compileDag(makeDag('limits', tasks)).machines[0]!.definition;
    expectValidAsl(def);
    const limited: Record<string, number> = {};
    const visit = (states: Record<string, AslState>) => {
      for (const [name, state] of Object.entries(states)) {
        if (state.Type === 'Parallel') state.Branches.forEach((b) => visit(b.States));
        if (state.Type === 'Map') visit(state.ItemProcessor.States);
        // A Fargate try heartbeats every minute, so a dead container fails the try; a sensor's and a Livy
        // batch's invocations heartbeat too (a lost poke fails the state), bounded by their longest gap.
        const heartbeats: Record<string, number> = {
          'plain.execute': FARGATE_HEARTBEAT_SECONDS,
          'sensor.execute': 60 + WAIT_HEARTBEAT_MARGIN_SECONDS,
          'spark.spark_run': LIVY_MAX_HANDED_OFF_POLL_SECONDS + WAIT_HEARTBEAT_MARGIN_SECONDS,
          'spark_limited.spark_run': LIVY_MAX_HANDED_OFF_POLL_SECONDS + WAIT_HEARTBEAT_MARGIN_SECONDS,
        };
        if (state.Type === 'Task') expect({ name, heartbeat: state.HeartbeatSeconds }).toEqual({ name, heartbeat: heartbeats[name] });
        if (state.Type === 'Task' && state.TimeoutSeconds !== undefined) limited[name] = state.TimeoutSeconds;
      }
    };
    visit(def.States);
    expect(limited).toEqual({
      'limited.execute': 91,
      'spark_limited.emr_step': 10801,
      'spark_limited.emr_serverless': 10801,
      'spark_limited.spark_run': 10801,
    });
    const states = Object.assign({}, ...(def.States['Run tasks'] as ParallelState).Branches.map((b) => b.States)) as Record<string, TaskState>;
    expect(states['spark.emr_serverless']!.Parameters).toMatchObject({ ExecutionTimeoutMinutes: 0 });
    expect(states['spark_limited.emr_serverless']!.Parameters).toMatchObject({ ExecutionTimeoutMinutes: 181 });
  });

  it('gives sensor states a heartbeat limit from their longest wait between pokes, none when the execution_timeout comes first', () => {
    const sensor = (id: string, settings: Partial<NonNullable<Task['sensor']>>, extra: Partial<Task> = {}) =>
      makeTask(id, { operator: 'FileSensor', operator_kind: 'file_sensor', sensor: { poke_interval_seconds: 60, timeout_seconds: 604800, mode: 'reschedule', soft_fail: false, exponential_backoff: false, ...settings }, ...extra });
    const tasks = [
      sensor('every_hour', { poke_interval_seconds: 3600 }),
      sensor('backoff', { poke_interval_seconds: 30, timeout_seconds: 7200, exponential_backoff: true }),
      sensor('bounded', { poke_interval_seconds: 600 }, { execution_timeout_seconds: 1200 }),
      sensor('bounded_long', { poke_interval_seconds: 60 }, { execution_timeout_seconds: 7200 }),
    ];
    const def = compileDag(makeDag('heartbeats', tasks)).machines[0]!.definition;
    expectValidAsl(def);
    const states = Object.assign({}, ...(def.States['Run tasks'] as ParallelState).Branches.map((b) => b.States)) as Record<string, TaskState>;
    expect(states['every_hour.execute']!.HeartbeatSeconds).toBe(3600 + WAIT_HEARTBEAT_MARGIN_SECONDS);
    expect(states['backoff.execute']!.HeartbeatSeconds).toBe(7200 + WAIT_HEARTBEAT_MARGIN_SECONDS);
    // ASL wants HeartbeatSeconds below TimeoutSeconds: the execution_timeout bounds the wait alone.
    expect(states['bounded.execute']).toMatchObject({ TimeoutSeconds: 1200 });
    expect(states['bounded.execute']!.HeartbeatSeconds).toBeUndefined();
    expect(states['bounded_long.execute']).toMatchObject({ TimeoutSeconds: 7200, HeartbeatSeconds: 60 + WAIT_HEARTBEAT_MARGIN_SECONDS });
  });

  it('runs a bash/python try on Lambda when execution_timeout fits in 14 minutes, else on Fargate with the try and token in the container overrides', () => {
    const def = compileDag(makeDag('compute', [bash('short', { execution_timeout_seconds: 840 }), bash('long', { execution_timeout_seconds: 841 }), bash('unbounded')])).machines[0]!.definition;
    expectValidAsl(def);
    const states = Object.assign({}, ...(def.States['Run tasks'] as ParallelState).Branches.map((b) => b.States)) as Record<string, TaskState>;
    expect(states['short.execute']!.Resource).toBe(Resource.LAMBDA_INVOKE);
    for (const id of ['long', 'unbounded']) {
      const state = states[`${id}.execute`]!;
      expect(state).toMatchObject({ Resource: Resource.ECS_RUN_TASK_WAIT_FOR_TOKEN, HeartbeatSeconds: FARGATE_HEARTBEAT_SECONDS, ResultPath: '$.result', Next: `${id}.complete` });
      expect(state.Parameters).toMatchObject({ Cluster: '${SkydagTaskClusterArn}', TaskDefinition: '${SkydagTaskDefinitionArn}', LaunchType: 'FARGATE' });
      expect((state.Parameters as { Overrides: unknown }).Overrides).toEqual({
        ContainerOverrides: [
          {
            Name: RUNNER_CONTAINER,
            Environment: [
              { Name: 'SKYDAG_DAG_ID', 'Value.$': '$.run.dag_id' },
              { Name: 'SKYDAG_RUN_ID', 'Value.$': '$.run.run_id' },
              { Name: 'SKYDAG_TASK_ID', Value: id },
              { Name: 'SKYDAG_TRY_NUMBER', 'Value.$': "States.Format('{}', $.prepared.try_number)" },
              { Name: 'SKYDAG_TASK_TOKEN', 'Value.$': '$$.Task.Token' },
            ],
          },
        ],
      });
      expect(state.Catch![0]!.Next).toBe(`${id}.fail`);
    }
    expect(states['long.execute']!.TimeoutSeconds).toBe(841);
    expect(states['unbounded.execute']!.TimeoutSeconds).toBeUndefined();
  });

  it("lets queue='lambda' / queue='fargate' force a bash/python task's compute, which the compiled DAG lists (other queue names change nothing)", () => {
    const dag = makeDag('queues', [
      bash('forced_fargate', { execution_timeout_seconds: 60, queue: 'fargate' }),
      bash('forced_lambda', { queue: 'lambda' }),
      bash('celery_queue', { execution_timeout_seconds: 60, queue: 'high_memory' }),
    ]);
    const { machines, compute } = compileDag(dag);
    const states = Object.assign({}, ...(machines[0]!.definition.States['Run tasks'] as ParallelState).Branches.map((b) => b.States)) as Record<string, TaskState>;
    expect(states['forced_fargate.execute']!.Resource).toBe(Resource.ECS_RUN_TASK_WAIT_FOR_TOKEN);
    expect(states['forced_lambda.execute']!.Resource).toBe(Resource.LAMBDA_INVOKE);
    expect(states['celery_queue.execute']!.Resource).toBe(Resource.LAMBDA_INVOKE);
    expect(compute).toMatchObject({
      forced_fargate: { runs_on: 'fargate', limit_seconds: null },
      forced_lambda: { runs_on: 'lambda', limit_seconds: LAMBDA_LIMIT_SECONDS },
      celery_queue: { runs_on: 'lambda' },
    });
  });

  it('reports size, events, transitions and Lambda invocations per task', () => {
    const inLambda = { execution_timeout_seconds: 600 };
    const dag = makeDag('r', [bash('a', inLambda), bash('b', inLambda), makeTask('c')], [['a', 'b'], ['b', 'c']]);
    const { report } = compileDag(dag);
    expect(report).toMatchObject({ tasks: 3, branches: 1, parts: 0 });
    // Run overhead 15; a: prepare 6 + decide 2 + execute 5 + complete 5; b and c are handed off (no
    // prepare): decide 2 + execute 5 + complete 5, and c (nothing to execute) decide 2 + complete 5,
    // which ends the branch (no end state on this path).
    expect(report.estimated_events_per_run).toBe(15 + 18 + 12 + 7);
    expect(report.transitions_per_task).toBeCloseTo((4 + 3 + 2) / 3, 2);
    expect(report.lambda_invocations_per_task).toBeCloseTo((3 + 2 + 1) / 3, 2);
    // Without execution_timeout the bash tasks run on Fargate: a callback task (one more event), no runner Lambda.
    const onFargate = compileDag(makeDag('r', [bash('a'), bash('b'), makeTask('c')], [['a', 'b'], ['b', 'c']])).report;
    expect(onFargate.estimated_events_per_run).toBe(15 + 19 + 13 + 7);
    expect(onFargate.lambda_invocations_per_task).toBeCloseTo((2 + 1 + 1) / 3, 2);
    expect(report.definition_bytes).toBeGreaterThan(1000);
  });

  it('runs a mapped task whose indexes would overflow the history as a Distributed Map, and keeps a small one inline', () => {
    const mapOf = (machine: StateMachineDefinition, id: string) =>
      Object.values((machine.States['Run tasks'] as ParallelState).Branches.flatMap((b) => Object.values(b.States))).find(
        (s): s is AslState & { Type: 'Map' } => s.Type === 'Map' && s.Comment === `Mapped task ${id}: one item per map index`,
      )!;
    const mapped = (id: string, items: number) => bash(id, { expand: { kind: 'kwargs', value: { bash_command: Array.from({ length: items }, (_, i) => `echo ${i}`) }, target: 'args' } });
    const dag = makeDag('fan', [mapped('wide', 5000), mapped('narrow', 3), bash('after')], [['wide', 'after'], ['narrow', 'after']]);
    const compiled = compileDag(dag);
    const main = compiled.machines[0]!.definition;
    expectValidAsl(main);
    expect(mapOf(main, 'wide').ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(mapOf(main, 'narrow').ItemProcessor.ProcessorConfig).toEqual({ Mode: 'INLINE' });
    // 5,000 inline indexes would be ~100,000 events; as child executions the run stays in one machine under budget.
    expect(compiled.report.parts).toBe(0);
    expect(compiled.report.worst_case_events_per_run).toBeLessThanOrEqual(20_000);
    // An inline Map's indexes count in the run's history: with a small budget the same 3 indexes go Distributed.
    const tight = compileDag(makeDag('fan', [mapped('narrow', 3)], []), { eventBudget: 70 });
    expect(mapOf(tight.machines[0]!.definition, 'narrow').ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
  });

  it('gives a task mapped over an XCom both Maps: inline up to what fits its share of the history, Distributed beyond', () => {
    const dag = makeDag('sized', [bash('make'), bash('each', { execution_timeout_seconds: 60, expand: { kind: 'kwargs', value: { bash_command: { $type: 'xcom_arg', task_id: 'make', key: 'return_value' } }, target: 'args' } })], [['make', 'each']]);
    const compiled = compileDag(dag);
    const main = compiled.machines[0]!.definition;
    expectValidAsl(main);
    const states = Object.assign({}, ...(main.States['Run tasks'] as ParallelState).Branches.map((b) => b.States)) as Record<string, AslState>;
    const decide = states['each.decide'] as Extract<AslState, { Type: 'Choice' }>;
    const limit = (decide.Choices[0] as { And: { NumericGreaterThan?: number }[] }).And[1]!.NumericGreaterThan!;
    expect(decide.Choices).toEqual([
      { And: [{ Variable: '$.prepared.decision', StringEquals: 'run' }, { Variable: '$.prepared.index_count', NumericGreaterThan: limit }], Next: 'each.map_distributed' },
      { Variable: '$.prepared.decision', StringEquals: 'run', Next: 'each.map' },
    ]);
    const perIndex = worstCaseIndexEvents(dag.tasks[1]!, 'invoke');
    expect(limit).toBe(Math.floor(XCOM_MAP_INLINE_EVENTS / perIndex));
    expect(states['each.map']).toMatchObject({ ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'each.map.prepare' }, Next: 'each.complete' });
    expect(states['each.map_distributed']).toMatchObject({ ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'each.dmap.prepare' }, Next: 'each.complete' });
    // The inline Map's worst case counts in the run's estimate (it used to count nothing).
    expect(compiled.report.worst_case_events_per_run).toBeGreaterThanOrEqual(limit * perIndex);
    expect(compiled.report.worst_case_events_per_run).toBeLessThanOrEqual(20_000);
  });

  it('splits a DAG that would exceed the history limit into parts, each valid and within budget', () => {
    // Small budgets keep the test fast; the default budgets (20,000 events, 900 KB) split the same way.
    const count = 600;
    const tasks = Array.from({ length: count }, (_, i) => bash(`t${i}`, { retries: 1 }));
    const edges: [string, string][] = [];
    for (let i = 1; i < count; i++) if (i % 7 !== 0) edges.push([`t${i - 1}`, `t${i}`]);
    const dag: Dag = makeDag('big', tasks, edges);
    const compiled = compileDag(dag, { eventBudget: 6000, definitionBudgetBytes: 400_000 });
    expect(compiled.report.parts).toBeGreaterThan(1);
    expect(compiled.report.worst_case_events_per_run).toBeLessThanOrEqual(6000);
    const [main, ...parts] = compiled.machines;
    expect(main!.role).toBe('main');
    expectValidAsl(main!.definition);
    const partTasks = parts.flatMap((p) => p.task_ids);
    expect(new Set(partTasks).size).toBe(count);
    for (const part of parts) {
      expectValidAsl(part.definition);
      expect(new TextEncoder().encode(JSON.stringify(part.definition)).length).toBeLessThanOrEqual(400_000);
    }
    const launches = (main!.definition.States['Run parts'] as ParallelState).Branches.map((b) => (Object.values(b.States)[0] as TaskState).Parameters!.StateMachineArn);
    expect(launches).toEqual(parts.map((p) => p.placeholder));
  });

  it.each([
    ['ASCII', 't'],
    ['non-ASCII (UTF-8 bytes, not characters)', 'tâche_'],
  ])('cuts a chain too long for one machine into segments whose heads wait on their tokens, and counts its bytes and states exactly: %s task ids', (_, prefix) => {
    const count = 300;
    const tasks = Array.from({ length: count }, (_, i) => bash(`${prefix}${i}`, { retries: 1 }));
    const dag = makeDag('long', tasks, tasks.slice(1).map((t, i): [string, string] => [`${prefix}${i}`, t.task_id]));
    const compiled = compileDag(dag, { eventBudget: 6000, definitionBudgetBytes: 200_000 });
    const branches = compiled.machines.slice(1).flatMap((m) => (m.definition.States['Run tasks'] as ParallelState).Branches);
    expect(branches.length).toBeGreaterThan(1);
    expect(compiled.report.branches).toBe(branches.length);
    for (const part of compiled.machines) expectValidAsl(part.definition);
    for (const branch of branches) {
      const head = branch.StartAt.replace(/\.prepare$/, '');
      const taskIds = Object.keys(branch.States).filter((k) => k.endsWith('.complete')).map((k) => k.replace(/\.complete$/, ''));
      expect(taskIds[0]).toBe(head);
      // the head is entered at its prepare (its upstream task ends the previous segment); the others are handed off
      expect((branch.States[`${head}.decide`] as { Choices: unknown[] }).Choices).toHaveLength(1);
      for (const id of taskIds.slice(1)) expect((branch.States[`${id}.decide`] as { Choices: unknown[] }).Choices).toHaveLength(2);
      expect(branch.States[`${taskIds.at(-1)}.complete`]).toMatchObject({ End: true });
    }
    const serialized = compiled.machines.reduce((sum, m) => sum + new TextEncoder().encode(JSON.stringify(m.definition)).length, 0);
    expect(compiled.report.definition_bytes).toBe(serialized);
    expect(compiled.report.states).toBe(compiled.machines.reduce((n, m) => n + statesIn(m.definition), 0));
  });

  it('keeps a 3,000-task DAG under the real limits with the default budgets', () => {
    const tasks = Array.from({ length: 3000 }, (_, i) => bash(`t${i}`, { retries: 2 }));
    const edges: [string, string][] = tasks.slice(1).map((t, i) => [`t${i}`, t.task_id]);
    const compiled = compileDag(makeDag('huge', tasks, edges));
    expect(compiled.report.worst_case_events_per_run).toBeLessThanOrEqual(20_000);
    for (const m of compiled.machines) expect(new TextEncoder().encode(JSON.stringify(m.definition)).length).toBeLessThanOrEqual(900_000);
    expect(new Set(compiled.machines.flatMap((m) => m.task_ids)).size).toBe(3000);
  });

  it('is deterministic', () => {
    const build = () => makeDag('d', [bash('a'), bash('b'), bash('c')], [['a', 'c'], ['b', 'c']]);
    expect(JSON.stringify(compileDag(build()))).toBe(JSON.stringify(compileDag(build())));
  });

  it('turns dagrun_timeout into the execution timeout of the main machine', () => {
    const compiled = compileDag(makeDag('t', [bash('a')], [], { dagrun_timeout_seconds: 90.2 }));
    expect(compiled.machines[0]!.definition.TimeoutSeconds).toBe(91);
    expect(compileDag(makeDag('u', [bash('a')])).machines[0]!.definition.TimeoutSeconds).toBeUndefined();
  });

  it('compiles a DAG without tasks to finalize only', () => {
    const def = compileDag(makeDag('empty', [])).machines[0]!.definition;
    expectValidAsl(def);
    expect(def.StartAt).toBe('Finalize run');
  });
});
