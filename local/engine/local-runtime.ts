/**
 * Local mode's runtime: the same handlers, the same compiled state machines and the same metadata
 * store port as in the cloud, wired to local adapters — the local engine (aws-local-stepfunctions),
 * in-process task tokens, log files, and local executors (bash, python3, ...).
 */
import { join } from 'node:path';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { AesGcmCipher, generateSecretKey, type SecretCipher } from '../../shared/api/secrets/cipher.js';
import type { DagRunRecord, TaskInstanceRecord } from '../../shared/model/records.js';
import type { Dag } from '../../shared/model/schema.js';
import { handleControl, type ControlRequest } from '../../shared/runtime/handlers/control.js';
import type { ConnectionStore, DagSource, ExecutionStatusLookup, ExecutorFor, PythonCallables, RenderTemplatedFields, RuntimeDeps, VariableStore } from '../../shared/runtime/handlers/deps.js';
import { execute } from '../../shared/runtime/handlers/execute.js';
import { onExecutionStatusChange, type ExecutionStatusEvent } from '../../shared/runtime/handlers/execution-status.js';
import type { RunRef } from '../../shared/runtime/protocol.js';
import { releaseSlotsHeldBy, resetOrphanedTasks } from '../../shared/runtime/handlers/orphans.js';
import { launchDagRun } from '../../shared/runtime/handlers/launch.js';
import { executionName } from '../../shared/runtime/execution-names.js';
import type { ExecuteRequest } from '../../shared/runtime/protocol.js';
import type { DagRunType } from '../../shared/runtime/states.js';
import type { RunStore } from '../../shared/stores/metadata.js';
import { MemoryMetadataStore } from '../stores/memory-metadata.js';
import { EnvConnectionStore, EnvVariableStore } from '../stores/env-secrets.js';
import { sharedBundleFolder } from './bundle-folder.js';
import { FileDagProcessorLogs, FileTaskLogs } from './file-logs.js';
import { LocalDagSource } from './local-dag-source.js';
import { LocalEngine, type ExecutionResult } from './local-engine.js';
import type { TaskProcessRegistry } from './task-processes.js';
import { LocalTaskTokens } from './task-tokens.js';
import { ValidatedDefinitions } from './validated-definitions.js';
import { cachedCustomTimetables } from '../../shared/scheduling/custom-timetable.js';
import { createCustomTimetables } from '../../shared/runtime/handlers/custom-timetables.js';

export interface LocalRuntimeOptions {
  dagsFolder: string;
  /** Where DAG models come from; default: DAGs registered in memory with `register()`. */
  dagSource?: (engine: LocalEngine) => DagSource;
  logsDir: string;
  /** Where DAG source bundles are extracted for tasks to run (bundle-folder.ts); default: `<tmpdir>/skydag-bundles-<uid>`. */
  bundleRoot?: string;
  /** Where definitions asl-validator accepted are remembered (validated-definitions.ts); default: validate at every build. */
  validatedDefinitionsDir?: string;
  render: RenderTemplatedFields;
  executorFor: ExecutorFor;
  python?: PythonCallables;
  store?: RunStore;
  variables?: VariableStore;
  connections?: ConnectionStore;
  /**
   * Seals XComs that carry a try's secrets and conf with sensitive keys. A store that outlives this
   * process needs its persistent key (the platform's); default: a random key for this process, enough
   * for the in-memory store of `dags test`.
   */
  cipher?: SecretCipher;
  clock?: () => Date;
  /** Alert emails (email_on_failure / email_on_retry); the local wiring writes them to the outbox. */
  mail?: RuntimeDeps['mail'];
  /** Pool sizes to enforce (the platform reads them from the store); absent: pools are not enforced. */
  pools?: RuntimeDeps['pools'];
  /** Records of running task processes, for stopping orphans a dead platform left (see task-processes.ts). */
  processes?: TaskProcessRegistry;
  /** Spark config groups and artifacts (submit_spark decides the backend from the task's group). */
  spark?: RuntimeDeps['spark'];
  /** Echo task log lines as they are written (CLI `tasks test`). */
  echoLogs?: (text: string) => void;
  testMode?: boolean;
}

export interface TriggerOptions {
  logicalDate?: Date;
  conf?: Record<string, unknown>;
  runId?: string;
  runType?: DagRunType;
  /** Default: Airflow's rule for the run type (see LaunchOptions.externalTrigger). */
  externalTrigger?: boolean;
}

export interface RunOutcome {
  run: DagRunRecord;
  taskInstances: TaskInstanceRecord[];
  execution: ExecutionResult;
}

export class LocalRuntime {
  readonly store: RunStore;
  readonly tokens = new LocalTaskTokens();
  readonly engine: LocalEngine;
  readonly dags: DagSource;
  readonly logs: FileTaskLogs;
  readonly deps: RuntimeDeps;
  private readonly shutdown = new AbortController();
  private readonly finishedListeners = new Set<(run: DagRunRecord) => void>();
  private readonly runStops = new Map<string, AbortController>();
  /** Runs whose execute() is in progress in this process. */
  private readonly executing = new Set<string>();
  /** Runs being ended by endRun(), with the reason: their execute() finalizes them. */
  private readonly endings = new Map<string, string>();

  constructor(private readonly options: LocalRuntimeOptions) {
    // Every running try listens for shutdown (and removes its listener when it ends): more than 10
    // parallel tasks are normal, not a leak, so Node's MaxListenersExceededWarning must not fire.
    setMaxListeners(0, this.shutdown.signal);
    const clock = options.clock ?? (() => new Date());
    this.store = options.store ?? new MemoryMetadataStore();
    this.logs = new FileTaskLogs(options.logsDir, clock, options.echoLogs);
    this.engine = new LocalEngine({
      control: (payload) => handleControl(this.deps, payload as unknown as ControlRequest),
      runner: (payload) => execute(this.deps, payload as unknown as ExecuteRequest, { testMode: options.testMode ?? false }),
      tokens: this.tokens,
      ...(options.validatedDefinitionsDir ? { validated: new ValidatedDefinitions(options.validatedDefinitionsDir) } : {}),
    });
    this.dags = options.dagSource ? options.dagSource(this.engine) : new LocalDagSource(options.dagsFolder, this.engine, options.bundleRoot ?? sharedBundleFolder());
    this.engine.onExecutionStatusChange((event) => this.onExecutionEnded(event));
    this.deps = {
      store: this.store,
      dags: this.dags,
      tokens: this.tokens,
      logs: this.logs,
      render: options.render,
      executorFor: options.executorFor,
      variables: options.variables ?? new EnvVariableStore(),
      connections: options.connections ?? new EnvConnectionStore(),
      clock,
      hostname: hostname(),
      cipher: options.cipher ?? new AesGcmCipher(generateSecretKey()),
      shutdownSignal: this.shutdown.signal,
      runSignal: (ref) => this.runStop(ref).signal,
      ...(options.pools ? { pools: options.pools } : {}),
      ...(options.mail ? { mail: options.mail } : {}),
      ...(options.python ? { python: options.python } : {}),
      ...(options.processes ? { processes: options.processes } : {}),
      ...(options.spark ? { spark: options.spark } : {}),
    };
    // A custom timetable's code runs in the Python runner; what it prints goes to the scheduler's DAG processor log.
    if (options.python) this.deps.timetables = cachedCustomTimetables(createCustomTimetables(this.deps, new FileDagProcessorLogs(join(options.logsDir, 'scheduler'))));
  }

  private runStop(ref: { dag_id: string; run_id: string }): AbortController {
    const key = `${ref.dag_id}/${ref.run_id}`;
    let controller = this.runStops.get(key);
    if (!controller) {
      controller = new AbortController();
      setMaxListeners(0, controller.signal);
      this.runStops.set(key, controller);
    }
    return controller;
  }

  /** Stops the tries still running in a run (their processes are killed); they end as failed tries. */
  stopRun(ref: { dag_id: string; run_id: string }, reason: string): void {
    const key = `${ref.dag_id}/${ref.run_id}`;
    this.runStops.get(key)?.abort(new Error(reason));
    this.runStops.delete(key);
  }

  /**
   * Executions as the reconciler sees them: running while in flight in this engine. An execution that
   * ended here was already handled (the status event is awaited before execute() returns), and a run
   * not executing here is left to the recovery of runs at start, so ended executions are never reported.
   */
  readonly executions: ExecutionStatusLookup = { statusOf: async (run) => (this.engine.isExecuting(run) ? 'RUNNING' : undefined) };

  /** Called after each execution ended, with the run as the store has it then. */
  onRunFinished(listener: (run: DagRunRecord) => void): () => void {
    this.finishedListeners.add(listener);
    return () => this.finishedListeners.delete(listener);
  }

  /** Stops every task still running (their subprocesses are killed) — e.g. when the CLI exits. */
  close(): void {
    this.shutdown.abort(new Error('skydag is shutting down'));
    this.engine.abortAll();
  }

  /** Registers a DAG with the in-memory DAG source (`dags test`, `tasks test`, tests); returns its version. */
  register(dag: Dag): string {
    if (!(this.dags instanceof LocalDagSource)) throw new Error('this runtime reads DAGs from the metadata store; register them there');
    return this.dags.register(dag);
  }

  /** Creates a run (manual by default, as `airflow dags test` does). */
  async trigger(dagId: string, options: TriggerOptions = {}): Promise<DagRunRecord> {
    const dag = await this.requireDag(dagId);
    const now = this.deps.clock();
    return launchDagRun(this.store, dag, {
      cipher: this.deps.cipher,
      runType: options.runType ?? 'manual',
      logicalDate: options.logicalDate ?? now,
      conf: options.conf ?? {},
      dagVersion: await this.dags.currentVersion(dagId),
      timetables: this.deps.timetables,
      now,
      ...(options.runId ? { runId: options.runId } : {}),
      ...(options.externalTrigger !== undefined ? { externalTrigger: options.externalTrigger } : {}),
    });
  }

  /**
   * Ends a run that must not go on because its DAG is gone (its file was deleted or no longer defines
   * it): its running tries are stopped, its execution is aborted, and the run fails with `reason`
   * (tasks that never ran become `removed`). Works for runs executing here and for runs that are not
   * (queued, or left running by a previous process).
   */
  async endRemovedRun(ref: { dag_id: string; run_id: string }, reason: string): Promise<void> {
    const key = `${ref.dag_id}/${ref.run_id}`;
    this.stopRun(ref, reason);
    if (this.executing.has(key)) {
      // execute() finalizes it: when its aborted execution returns, or before it starts one.
      this.endings.set(key, reason);
      this.engine.abortRun(ref);
      return;
    }
    await this.finalizeRemoved(ref, reason);
  }

  /**
   * What the cloud's EventBridge rule on execution status does: an execution that died (dagrun_timeout,
   * a runtime error, a control handler that kept failing) leaves no run running. Executions stopped
   * because this process shuts down are left to be recovered by the next start, and a run being ended
   * because its DAG was removed is finalized as such by execute().
   */
  private async onExecutionEnded(event: ExecutionStatusEvent): Promise<void> {
    if (event.detail.status === 'ABORTED' && this.shutdown.signal.aborted) return;
    const stop = (ref: RunRef, timedOut: boolean) => this.stopRun(ref, timedOut ? 'the run exceeded its dagrun_timeout' : `the run's state machine failed (${event.detail.error})`);
    await onExecutionStatusChange(this.deps, event, {
      skip: (ref) => this.endings.has(`${ref.dag_id}/${ref.run_id}`),
      beforeFinalize: stop,
    });
  }

  private async finalizeRemoved(ref: { dag_id: string; run_id: string }, reason: string): Promise<void> {
    // Its stopped tries never reach the fail handler, which would have given their slots back.
    const run = await this.store.getDagRun(ref.dag_id, ref.run_id);
    const dag = run ? await this.dags.getDag(ref.dag_id, run.dag_version) : undefined;
    for (const ti of await this.store.listTaskInstances(ref.dag_id, ref.run_id)) await releaseSlotsHeldBy(this.deps, dag, ti);
    await handleControl(this.deps, { action: 'finalize', run: ref, engine_error: { error: 'Skydag.DagRemoved', cause: reason, dag_removed: true } });
  }

  /** Runs an existing run's state machine to its end. */
  async execute(run: DagRunRecord): Promise<RunOutcome> {
    const key = `${run.dag_id}/${run.run_id}`;
    this.executing.add(key);
    try {
      return await this.executeHere(run);
    } finally {
      this.executing.delete(key);
      this.endings.delete(key);
    }
  }

  private async executeHere(run: DagRunRecord): Promise<RunOutcome> {
    const key = `${run.dag_id}/${run.run_id}`;
    const ref = { dag_id: run.dag_id, run_id: run.run_id };
    const generation = await this.generationFor(run);
    await this.resetOrphans(run);
    const machine = await this.dags.stateMachineFor(run.dag_id, run.dag_version);
    const name = executionName(run, generation);
    const endedEarly = this.endings.get(key); // its DAG was removed while this call got ready: start nothing
    const execution: ExecutionResult =
      endedEarly === undefined ? await this.engine.start(machine, { run: ref }, name) : { name, machine, status: 'ABORTED', error: 'Skydag.DagRemoved', cause: endedEarly };
    const endReason = this.endings.get(key);
    if (endReason !== undefined) {
      await this.finalizeRemoved(ref, endReason);
      return this.finished(run, execution);
    }
    // An abnormal end was finalized by the execution-status handler before start() returned.
    return this.finished(run, execution);
  }

  /**
   * The generation of the execution about to start: the run's own for a fresh run; a run that already
   * made progress (recovered after a restart, or cleared) starts again under the next one, recorded
   * on the run, as a cloud restart needs a new execution name.
   */
  private async generationFor(run: DagRunRecord): Promise<number> {
    const stored = (await this.store.getDagRun(run.dag_id, run.run_id)) ?? run;
    const tis = await this.store.listTaskInstances(run.dag_id, run.run_id);
    const current = stored.generation ?? 0;
    if (!tis.some((ti) => ti.try_number > 0 || ti.state !== null || ti.token !== null)) return current;
    await this.store.updateDagRun(run.dag_id, run.run_id, { generation: current + 1 });
    return current + 1;
  }

  private async finished(run: DagRunRecord, execution: ExecutionResult): Promise<RunOutcome> {
    this.runStops.delete(`${run.dag_id}/${run.run_id}`); // the execution ended: nothing of it runs any more
    const finished = (await this.store.getDagRun(run.dag_id, run.run_id)) ?? run;
    for (const listener of this.finishedListeners) listener(finished);
    return { run: finished, taskInstances: await this.store.listTaskInstances(run.dag_id, run.run_id), execution };
  }

  /** Orphaned task instances of a previous process or execution start over (orphans.ts); their processes are stopped first. */
  private async resetOrphans(run: DagRunRecord): Promise<void> {
    await this.stopOrphanedProcesses(run);
    await resetOrphanedTasks(this.deps, run);
  }

  /**
   * Stops the task processes that a skydag process which is gone left running (all of them, or those
   * of one run), noting it in each try's log. Returns how many were still running.
   */
  async stopOrphanedProcesses(run?: { dag_id: string; run_id: string }): Promise<number> {
    const reaped = (await this.options.processes?.reapOrphans(run)) ?? [];
    for (const orphan of reaped) {
      const log = this.logs.open(orphan.dag_id, orphan.run_id, orphan.task_id, Math.max(1, orphan.try_number));
      log.info(
        `The skydag process that ran this try stopped while the try was running; its process group ${orphan.pid} was still running ` +
          'and has been stopped, so it cannot act after the task is reset and run again',
      );
      await log.close();
    }
    return reaped.length;
  }

  async runDag(dagId: string, options: TriggerOptions = {}): Promise<RunOutcome> {
    return this.execute(await this.trigger(dagId, options));
  }

  private async requireDag(dagId: string): Promise<Dag> {
    const dag = await this.dags.getDag(dagId);
    if (!dag) throw new Error(`DAG '${dagId}' is not registered`);
    return dag;
  }
}
