/**
 * Rendering a task's templated fields for one try. The Jinja engine is synchronous while XComs,
 * variables and connections live in (asynchronous) stores, so rendering runs in passes: a pass reads
 * from caches and records what it missed, the misses are fetched, and the next pass sees them. A
 * template reads at most a handful of values, so this ends within a few passes; values that do not
 * exist stay missing and render as Airflow would (None, or a KeyError for unknown variables).
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Dag, PyValue } from '../../model/schema.js';
import type { MetadataStore } from '../../stores/metadata.js';
import type { Connection, ExecutionRequest } from '../executors/types.js';
import { renderTaskFields, templateLimitsFromEnv, type ConnectionInfo, type TaskRenderOptions, type TemplateContextInput, type UndefinedBehavior } from '../templates/index.js';
import type { RepositoryItemInfo, RepositoryLookup } from '../templates/repository.js';
import type { RenderTemplatedFields } from './deps.js';
import { operatorByKind } from '../../operators/registry.js';
import { NO_PYTHON, pythonCallKey, type PythonCall, type PythonCallResult } from '../templates/python-values.js';
import { TaskFailedError } from '../executors/types.js';
import { ModelArgumentError, resolveModelArguments, type ModelArgument } from '../../repository/model-arguments.js';

/** Finds a stored model or dataset version for `models.get(...)` / `datasets.get(...)` (shared/repository/). */
export type RepositoryResolver = (lookup: RepositoryLookup) => Promise<RepositoryItemInfo | undefined>;

const MAX_PASSES = 4;
/**
 * Passes when templates use Python-side user-defined macros: a call whose argument is another call's
 * result is only sent once that result is known, so nesting takes a pass per level.
 */
const MAX_PYTHON_PASSES = 8;

const MISSING = Symbol('missing');

/** The renderer's key for one XCom pull (a null key, Airflow's key=None, is any key). */
const xcomCacheKey = (dagId: string, taskId: string | null, key: string | null): string => `${dagId}|${taskId ?? ''}|${key ?? '\u0000any'}`;

type Base = Parameters<RenderTemplatedFields>[0];

/**
 * Evaluates calls of user-defined macros and filters in the DAG file's Python process (the runner's
 * `template_calls` mode), one result per call in order.
 */
export type TemplateCallRunner = (request: Base, calls: PythonCall[]) => Promise<PythonCallResult[]>;

/** Reads `path` from the DAG's folder or its template_searchpath, refusing paths that escape them. */
async function loadTemplateFile(request: Base, path: string): Promise<string | undefined> {
  const roots = [resolve(request.dagFilePath, '..'), ...request.dag.template_searchpath.map((p) => resolve(request.dagsFolder, p))];
  for (const root of roots) {
    const full = isAbsolute(path) ? resolve(path) : resolve(join(root, path));
    if (relative(root, full).startsWith('..')) continue;
    try {
      return await readFile(full, 'utf8');
    } catch {
      // try the next root
    }
  }
  return undefined;
}

function toConnectionInfo(c: Connection): ConnectionInfo {
  return { conn_id: c.conn_id, conn_type: c.conn_type, host: c.host, login: c.login, password: c.password, schema: c.schema, port: c.port, extra: c.extra };
}

/** The DAG's `template_undefined` class as the renderer's behaviour (absent: StrictUndefined, Airflow's default). */
export function undefinedBehaviorOf(dag: Pick<Dag, 'template_undefined'>): UndefinedBehavior {
  switch (dag.template_undefined) {
    case 'Undefined':
      return 'lenient';
    case 'ChainableUndefined':
      return 'chainable';
    case 'DebugUndefined':
      return 'debug';
    default:
      return 'strict';
  }
}

/**
 * The runtime's renderer. Rendering is bounded (`renderTaskFields`): by default with the limits of
 * `SKYDAG_TEMPLATE_MAX_STEPS`, `SKYDAG_TEMPLATE_MAX_OUTPUT_CHARS` and `SKYDAG_TEMPLATE_TIMEOUT_MS`.
 */
export function createTemplateRenderer(
  store: Pick<MetadataStore, 'listDagRuns'>,
  options: TaskRenderOptions = {},
  repository?: RepositoryResolver,
  python?: TemplateCallRunner,
): RenderTemplatedFields {
  const bounds: TaskRenderOptions = { ...options, limits: options.limits ?? templateLimitsFromEnv() };
  return async (request) => {
    const xcoms = new Map<string, unknown>();
    const variables = new Map<string, string | typeof MISSING>();
    const connections = new Map<string, ConnectionInfo | typeof MISSING>();
    const repositoryItems = new Map<string, RepositoryItemInfo | typeof MISSING>();
    const lookupKey = (l: RepositoryLookup) => `${l.kind}|${l.name}|${l.version ?? 'latest'}`;
    const pythonResults = new Map<string, PythonCallResult>();
    const [previous] = await store.listDagRuns(request.dag.dag_id, { states: ['success'], logicalDateBefore: request.run.logical_date, limit: 1 });

    for (let pass = 1; ; pass++) {
      const missedXcoms: { taskId: string | null; key: string | null; dagId: string }[] = [];
      const missedVariables: string[] = [];
      const missedConnections: string[] = [];
      const missedItems: RepositoryLookup[] = [];
      const missedCalls = new Map<string, PythonCall>();
      const pushes: { key: string; value: unknown }[] = [];
      const context: TemplateContextInput = {
        dag: request.dag,
        task: request.task,
        run: request.run,
        tryNumber: request.tryNumber,
        mapIndex: request.ti.map_index,
        now: request.now(),
        taskStartDate: request.ti.start_date,
        ...(request.context.ti_state ? { taskState: request.context.ti_state } : {}),
        hostname: request.ti.hostname,
        ...(request.extraContext || request.context.inlet_events ? { extra: { ...(request.context.inlet_events ? { inlet_events: request.context.inlet_events } : {}), ...request.extraContext } } : {}),
        previousSuccess: previous ?? null,
        xcomPull: (r) => {
          // A null key (Airflow's key=None) is any key: the most recent XCom.
          const id = xcomCacheKey(r.dag_id, r.task_id, r.key);
          if (xcoms.has(id)) return xcoms.get(id) ?? undefined;
          missedXcoms.push({ taskId: r.task_id, key: r.key, dagId: r.dag_id });
          return undefined;
        },
        xcomPush: (push) => {
          pushes.push(push);
        },
        variables: (key) => {
          const v = variables.get(key);
          if (v === undefined) missedVariables.push(key);
          return v === MISSING || v === undefined ? undefined : v;
        },
        connections: (connId) => {
          const c = connections.get(connId);
          if (c === undefined) missedConnections.push(connId);
          return c === MISSING || c === undefined ? undefined : c;
        },
        repository: (lookup) => {
          const found = repositoryItems.get(lookupKey(lookup));
          if (found === undefined) missedItems.push(lookup);
          return found === MISSING || found === undefined ? undefined : found;
        },
        pythonCall: (call) => {
          const key = pythonCallKey(call);
          const found = pythonResults.get(key);
          if (found) return found;
          missedCalls.set(key, call);
          return { pending: true };
        },
      };
      let rendered: ExecutionRequest['args'] | undefined;
      let models: Record<string, ModelArgument> | undefined;
      let failure: unknown;
      const target = request.fields ? { ...request.task, ...request.fields } : request.task;
      const wantsModels = target.args.models != null && operatorByKind(target.operator_kind)?.args.models !== undefined;
      try {
        rendered = await renderTaskFields({ task: target, args: target.args, context, loadTemplateFile: (p) => loadTemplateFile(request, p), undefined: undefinedBehaviorOf(request.dag) }, bounds);
        // An operator's `models=` argument: the named versions' records (read like models.get(...)).
        if (wantsModels) {
          models = resolveModelArguments(target.args.models, (lookup) => {
            const found = repositoryItems.get(lookupKey(lookup));
            if (found === undefined) missedItems.push(lookup);
            return found === MISSING ? null : found;
          });
        }
      } catch (err) {
        failure = err;
      }
      const misses = missedXcoms.length + missedVariables.length + missedConnections.length + missedItems.length + missedCalls.size;
      if (misses === 0 || pass >= (missedCalls.size > 0 ? MAX_PYTHON_PASSES : MAX_PASSES)) {
        if (missedCalls.size > 0) {
          throw new TaskFailedError(`rendering templated fields failed: user-defined macros use each other's results more than ${MAX_PYTHON_PASSES - 1} calls deep`);
        }
        // ti.xcom_push() in a template: stored once, from the pass whose render counts.
        for (const { key, value } of pushes) await request.services.xcomPush(key, value);
        if (failure) throw failure;
        if (wantsModels && !models) throw new ModelArgumentError('models: the model versions could not be read');
        return models ? { ...rendered!, models: models as unknown as PyValue } : rendered!;
      }
      for (const m of missedXcoms) {
        xcoms.set(xcomCacheKey(m.dagId, m.taskId, m.key), (await request.services.xcomPull(m.taskId, m.key, m.dagId)) ?? null);
      }
      if (missedCalls.size > 0) {
        const calls = [...missedCalls.entries()];
        const results = python
          ? await python(request, calls.map(([, call]) => call))
          : calls.map(([, call]) => NO_PYTHON(call) as PythonCallResult);
        calls.forEach(([key], i) => pythonResults.set(key, results[i] ?? { ok: false, error_type: 'RuntimeError', message: 'the Python runner gave no result for this call' }));
      }
      for (const key of missedVariables) variables.set(key, (await request.services.getVariable(key)) ?? MISSING);
      for (const lookup of missedItems) repositoryItems.set(lookupKey(lookup), (await repository?.(lookup)) ?? MISSING);
      for (const id of missedConnections) {
        const c = await request.services.getConnection(id);
        connections.set(id, c ? toConnectionInfo(c) : MISSING);
      }
    }
  };
}
