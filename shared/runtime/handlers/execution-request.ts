/** Builds what an executor receives for one try: the serializable context and the task's services. */
import { RETURN_VALUE_KEY, type DatasetEventRecord, type TaskInstanceRecord, type XComRecord } from '../../model/records.js';
import type { Task } from '../../model/schema.js';
import type { SecretsMasker } from '../../secrets/masker.js';
import { openXComValue, sealXComValue, xcomSealContext } from '../../secrets/sealed.js';
import { composeMail, sentMailLine } from '../executors/email.js';
import type { ExecutionRequest, SerializableContext, TaskServices } from '../executors/types.js';
import { triggeringDatasetEvents } from '../../model/datasets.js';
import { pythonIsoFormat } from '../intervals.js';
import type { RuntimeDeps } from './deps.js';
import type { RunContext } from './run-context.js';
import { taskForIndex } from './mapped.js';
import { createTryMasker } from './try-secrets.js';

function compact(iso: string): { date: string; nodash: string; tsNodash: string } {
  const d = new Date(iso).toISOString();
  const date = d.slice(0, 10);
  return { date, nodash: date.replaceAll('-', ''), tsNodash: `${date.replaceAll('-', '')}T${d.slice(11, 19).replaceAll(':', '')}` };
}

/** `params` as tasks see them: DAG params < task params < dag_run.conf (Airflow's dag_run_conf_overrides_params). */
export function effectiveParams(task: Task, conf: Record<string, unknown>): Record<string, unknown> {
  return { ...(task.params as Record<string, unknown>), ...conf };
}

/** The states a try's callbacks see it in (the record's state while it runs is not the context's: it is running). */
const ENDED_TRY_STATES = new Set(['success', 'failed', 'up_for_retry', 'skipped']);

export function serializableContext(ctx: Pick<RunContext, 'run' | 'dag'>, task: Task, ti: TaskInstanceRecord, tryNumber: number, testMode = false): SerializableContext {
  const { run } = ctx;
  const { date, nodash, tsNodash } = compact(run.logical_date);
  return {
    dag_id: run.dag_id,
    task_id: task.task_id,
    run_id: run.run_id,
    try_number: tryNumber,
    map_index: ti.map_index,
    ...(task.map_index_template !== undefined ? { map_index_template: task.map_index_template } : {}),
    ...(ti.state && ENDED_TRY_STATES.has(ti.state) ? { ti_state: ti.state } : {}),
    ds: date,
    ds_nodash: nodash,
    ts: pythonIsoFormat(run.logical_date),
    ts_nodash: tsNodash,
    ts_nodash_with_tz: `${tsNodash}+0000`,
    logical_date: pythonIsoFormat(run.logical_date),
    data_interval_start: pythonIsoFormat(run.data_interval_start),
    data_interval_end: pythonIsoFormat(run.data_interval_end),
    prev_data_interval_start_success: null,
    prev_data_interval_end_success: null,
    prev_start_date_success: null,
    run_type: run.run_type,
    external_trigger: run.external_trigger,
    conf: run.conf,
    params: effectiveParams(task, run.conf),
    task_instance_key_str: `${run.dag_id}__${task.task_id}__${nodash}`,
    templates_dict: null,
    test_mode: testMode,
    timezone: ctx.dag.timezone,
    ...(run.triggering_dataset_events?.length ? { triggering_dataset_events: triggeringDatasetEvents(run) } : {}),
  };
}

/**
/**
 * The try's access to XComs, variables and connections. Every variable and connection read (or
 * variable written) is registered with the try's masker; an XCom pushed with one of the try's secrets
 * in it is stored masked with the real value sealed, and a sealed XCom pulled is opened (its secrets
 * then belong to this try's masker too). XCom pushes are fenced by try number: a push from a try that
 * is no longer the task instance's current try (a late process of an earlier try) is ignored, so it
 * can never overwrite what the current try pushes.
 */
export function taskServices(deps: RuntimeDeps, ctx: RunContext, taskId: string, tryNumber: number, masker: SecretsMasker = createTryMasker(ctx.run), mapIndex = -1): TaskServices {
  const { run } = ctx;
  let mappedIds: Set<string> | undefined;
  const isMapped = (id: string) => (mappedIds ??= new Set(ctx.dag.tasks.filter((t) => t.expand).map((t) => t.task_id))).has(id);
  const open = (x: XComRecord | undefined): unknown => openXCom(deps, masker, x);
  const runOf = async (dagId: string | undefined) => {
    if (!dagId || dagId === run.dag_id) return run;
    // Cross-DAG pulls read the other DAG's run at the same logical date (Airflow's default).
    const runs = await deps.store.listDagRuns(dagId, { limit: 50 });
    return runs.find((r) => r.logical_date === run.logical_date);
  };
  return {
    async xcomPull(taskIds, key = RETURN_VALUE_KEY, dagId) {
      const target = await runOf(dagId);
      if (!target) return Array.isArray(taskIds) ? taskIds.map(() => null) : null;
      const keyed = (x: XComRecord) => key === null || x.key === key;
      const newestFirst = (a: XComRecord, b: XComRecord) => b.timestamp.localeCompare(a.timestamp);
      // A mapped task's output is the list of its indexes' values, in map_index order (Airflow's lazy sequence).
      const mapped = async (id: string) => {
        const all = (await deps.store.listXComs(target.dag_id, target.run_id, id)).filter((x) => keyed(x) && x.map_index >= 0);
        return all.sort((a, b) => a.map_index - b.map_index).map(open);
      };
      const unmapped = async (id: string) => {
        if (key !== null) return open(await deps.store.getXCom(target.dag_id, target.run_id, id, key));
        // key=None: the most recent XCom the task pushed, whatever its key (Airflow orders by timestamp).
        return open((await deps.store.listXComs(target.dag_id, target.run_id, id)).filter((x) => x.map_index < 0).sort(newestFirst)[0]);
      };
      const one = async (id: string) => (target === run && isMapped(id) ? mapped(id) : unmapped(id));
      if (taskIds === null) {
        const all = (await deps.store.listXComs(target.dag_id, target.run_id)).filter(keyed);
        all.sort(newestFirst);
        return open(all[0]);
      }
      return typeof taskIds === 'string' ? one(taskIds) : Promise.all(taskIds.map(one));
    },
    async xcomPush(key, value) {
      const current = mapIndex >= 0 ? await deps.store.getMappedTaskInstance(run.dag_id, run.run_id, taskId, mapIndex) : await deps.store.getTaskInstance(run.dag_id, run.run_id, taskId);
      if (current && current.try_number !== tryNumber) return;
      const record: XComRecord = { dag_id: run.dag_id, run_id: run.run_id, task_id: taskId, map_index: mapIndex, key, value, timestamp: deps.clock().toISOString() };
      await deps.store.setXCom({ ...record, ...sealXComValue(deps.cipher, masker, value, xcomSealContext(record)) });
    },
    ...secretServices(deps, masker),
  };
}

/**
 * Variables, connections, masking and mail of a try (or a run-less callback): every value read is
 * registered with `masker`; mail goes through the platform's transport (the outbox locally, SES in AWS).
 */
export function secretServices(deps: Pick<RuntimeDeps, 'variables' | 'connections' | 'mail'>, masker: SecretsMasker): Omit<TaskServices, 'xcomPull' | 'xcomPush'> {
  const services: Omit<TaskServices, 'xcomPull' | 'xcomPush'> = {
    async getVariable(key) {
      const value = await deps.variables.get(key);
      if (value !== undefined) masker.addVariable(key, value);
      return value;
    },
    async setVariable(key, value) {
      masker.addVariable(key, value);
      await deps.variables.set(key, value);
    },
    async getConnection(connId) {
      const connection = await deps.connections.get(connId);
      if (connection) masker.addConnection(connection);
      return connection;
    },
    maskSecret: (secret, name) => masker.addMask(secret, name),
    redact: (value, name) => masker.redact(value, name),
    async sendEmail(args, attachments) {
      if (!deps.mail) throw new Error('send_email: no mail transport is configured on this platform');
      const mail = deps.mail;
      const message = await composeMail({ args, task: { operator: 'send_email', task_id: 'send_email' } }, async () => attachments, { getConnection: (id) => services.getConnection(id), defaultFrom: mail.from });
      await mail.send(message);
      return sentMailLine(message);
    },
  };
  return services;
}


/** An XCom's value as a task reads it: a sealed one opened (its secrets join `masker`); none: null. */
export function openXCom(deps: Pick<RuntimeDeps, 'cipher'>, masker: SecretsMasker, x: XComRecord | undefined): unknown {
  return x === undefined ? null : x.sealed_value ? openXComValue(deps.cipher, masker, x.sealed_value, xcomSealContext(x)) : (x.value ?? null);
}

/** Everything of an ExecutionRequest except the rendered args, the log and the abort signal; `masker` collects the try's secrets. */
export async function executionBase(
  deps: RuntimeDeps,
  ctx: RunContext,
  ti: TaskInstanceRecord,
  testMode = false,
  masker: SecretsMasker = createTryMasker(ctx.run),
): Promise<Omit<ExecutionRequest, 'args' | 'log' | 'signal'>> {
  const task = await taskForIndex(deps, ctx, ctx.task(ti.task_id), ti.map_index, masker);
  const { dagFilePath, dagsFolder, pluginsFolder, projectFolder } = await deps.dags.sourceLocation(ctx.dag, ctx.run.dag_version);
  return {
    dag: ctx.dag,
    task,
    run: ctx.run,
    ti,
    tryNumber: ti.try_number,
    dagFilePath,
    dagsFolder,
    ...(pluginsFolder ? { pluginsFolder } : {}),
    ...(projectFolder ? { projectFolder } : {}),
    context: {
      ...serializableContext(ctx, task, ti, ti.try_number, testMode),
      ...(task.inlets?.length ? { inlet_events: await newestEvents(deps, task.inlets.map(({ uri }) => uri), (uri) => ({ uri })) } : {}),
      ...(task.inlet_aliases?.length ? { inlet_alias_events: await newestEvents(deps, task.inlet_aliases, (alias) => ({ alias })) } : {}),
    },
    services: taskServices(deps, ctx, ti.task_id, ti.try_number, masker, ti.map_index),
    now: deps.clock,
    ...(deps.processes ? { trackProcess: deps.processes.tracking({ dag_id: ti.dag_id, run_id: ti.run_id, task_id: ti.task_id, try_number: ti.try_number }) } : {}),
  };
}

/** How many of an inlet's newest events a try sees (Airflow reads them all, lazily). */
export const INLET_EVENTS_LIMIT = 100;

/**
 * Airflow's `inlet_events`: each inlet's newest events (up to INLET_EVENTS_LIMIT), oldest first, by
 * dataset URI or (`DatasetAlias` inlets) by alias name for the events added through it.
 */
async function newestEvents(deps: RuntimeDeps, keys: readonly string[], filter: (key: string) => { uri: string } | { alias: string }): Promise<Record<string, DatasetEventRecord[]>> {
  const out: Record<string, DatasetEventRecord[]> = {};
  for (const key of keys) {
    const { total } = await deps.store.listDatasetEvents({ ...filter(key), limit: 1 });
    out[key] = total === 0 ? [] : (await deps.store.listDatasetEvents({ ...filter(key), offset: Math.max(0, total - INLET_EVENTS_LIMIT), limit: INLET_EVENTS_LIMIT })).items;
  }
  return out;
}
