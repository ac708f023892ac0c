/**
 * The DAG deployer: what happens in the cloud when a file under the DAGs prefix of the DAGs bucket is
 * written or deleted (S3 event → functions/deployer.ts → here).
 *
 * The bucket's DAGs prefix is mirrored into a local folder and the changed file is synced exactly as
 * local mode syncs its DAGs folder (bounded parse → validate → version + source bundle, import errors,
 * deactivation: local/platform/dag-sync.ts, injected as {@link DagFolderSync}). Before a new DAG
 * version is recorded its state machines are compiled and deployed (parts first, each published as a
 * version; the main machine names its parts by version ARN, so a run stays on the version it started
 * with) and its schedule is put; the version record keeps the main machine's version ARN, which runs
 * of that version execute. A DAG whose file is gone (or no longer defines it) is deactivated and its
 * schedule disabled.
 *
 * Idempotent under duplicate, late or reordered delivery: each event syncs the file as the bucket
 * holds it *now* (not as the event describes it), versions are content-addressed, and a version
 * already deployed and current makes no AWS calls. A failure leaves the DAG's record as it was, so the
 * retried event redoes the rest (Step Functions and Scheduler calls are create-or-update).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileDag, type CompiledMachine } from '../compiler/compile.js';
import { toEventBridgeSchedule, type EventBridgeSchedule } from '../compiler/eventbridge.js';
import { finishRunRecords } from '../api/run-actions.js';
import type { DagRecord, DagRunRecord } from '../model/records.js';
import { DagRunState } from '../runtime/states.js';
import type { Dag } from '../model/schema.js';
import type { MetadataStore } from '../stores/metadata.js';
import type { DagsMirror } from './dags-mirror.js';
import type { GitProvenance } from '../git/pull.js';

/** One S3 event record, reduced to what the deployer needs. */
export interface DagFileEvent {
  kind: 'written' | 'deleted';
  /** The object key in the DAGs bucket (with the DAGs prefix). */
  key: string;
}

/** What syncing changed (local/platform/dag-sync.ts's SyncReport). */
export interface SyncOutcome {
  registered: string[];
  updated: string[];
  unchanged: string[];
  deactivated: string[];
  importErrors: string[];
}

/** The folder → store sync, with the hook that deploys a version before it is recorded. */
export interface DagFolderSync {
  /** Syncs one file of the folder (deleted: its DAGs are deactivated). */
  syncFile(folder: string, file: string, beforeRegister: BeforeRegister, git?: GitProvenance): Promise<SyncOutcome>;
  /** A full pass (a helper module changed: every DAG importing it may have a new bundle). */
  syncFolder(folder: string, beforeRegister: BeforeRegister): Promise<SyncOutcome>;
  /** Whether the file (relative path) is one the DAG front-ends read. */
  isDagFile(folder: string, file: string): boolean;
}

export type BeforeRegister = (dag: Dag, version: string, previous: DagRecord | undefined) => Promise<{ state_machine_version_arn?: string }>;

/** Deploys one state machine (create or update, publish a version): its version ARN. */
export interface MachinePublisher {
  publish(machine: { name: string; definition: object; versionDescription: string }): Promise<string>;
}

/** A DAG's EventBridge schedule(s), which invoke the scheduler pass for it. */
export interface DagSchedules {
  /** Creates or updates them, enabled (`null`: the DAG has no schedule, any are deleted). */
  put(dagId: string, schedule: EventBridgeSchedule | null): Promise<void>;
  /** Keeps them, disabled (the DAG was deactivated). */
  disable(dagId: string, schedule: EventBridgeSchedule | null): Promise<void>;
}

export interface DagDeployerDeps {
  store: MetadataStore;
  mirror: DagsMirror;
  sync: DagFolderSync;
  machines: MachinePublisher;
  schedules: DagSchedules;
  /** Stops a run's execution (Step Functions StopExecution); an ended or absent one is left alone. */
  stopRun: (run: DagRunRecord, reason: string) => Promise<void>;
  clock?: () => Date;
  /**
   * Deploy-time values of the compiled ASL's `${…}` placeholders other than the parts (function and
   * cluster ARNs, subnets: shared/compiler/resources.ts Placeholder), by placeholder name without `${}`.
   */
  substitutions: Readonly<Record<string, string>>;
  /** The git pull that wrote this content of a file (shared/git/provenance.ts): recorded with its new versions. */
  gitProvenance?: (file: string, content: Buffer) => Promise<GitProvenance | undefined>;
  /**
   * Called after every delivery, once the versions are recorded: the API's runs waiting for their
   * file to be deployed are triggered here (shared/deploy/pending-runs.ts). A failure fails the
   * delivery, which Lambda retries (the sync is then a no-op and this runs again).
   */
  afterDeploy?: (report: DeployReport) => Promise<void>;
}

export interface DeployReport extends SyncOutcome {
  /** DAG ids whose state machines were deployed by this event. */
  deployed: string[];
}

const PLACEHOLDER = /\$\{([A-Za-z0-9]+)\}/g;

/** Replaces `${Name}` placeholders in every string of an ASL definition; an unknown one is an error. */
export function substitutePlaceholders(definition: object, values: Readonly<Record<string, string>>, machine: string): object {
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string')
      return value.replace(PLACEHOLDER, (whole, name: string) => {
        const replacement = values[name];
        if (replacement === undefined) throw new Error(`state machine ${machine}: no deploy-time value for ${whole}`);
        return replacement;
      });
    if (Array.isArray(value)) return value.map(visit);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v)]));
    return value;
  };
  return visit(definition) as object;
}

/** The EventBridge schedule of a DAG as its record describes it. */
export function scheduleOf(dag: Pick<Dag, 'schedule' | 'timezone' | 'start_date'>): EventBridgeSchedule | null {
  return toEventBridgeSchedule(dag.schedule, dag.timezone, dag.start_date);
}

export class DagDeployer {
  constructor(private readonly deps: DagDeployerDeps) {}

  /** Handles the events of one delivery in order (a batch may name the same file more than once). */
  async handle(events: readonly DagFileEvent[]): Promise<DeployReport> {
    const report: DeployReport = { registered: [], updated: [], unchanged: [], deactivated: [], importErrors: [], deployed: [] };
    const files = [...new Set(events.map((e) => this.deps.mirror.relativePath(e.key)).filter((f): f is string => f !== undefined))];
    if (files.length === 0) return report;
    const folder = await this.deps.mirror.refresh(files);
    const before = this.beforeRegister(report);
    let outcomes: SyncOutcome[];
    // A file no front-end reads (a helper module, a template) changes the bundles of the DAGs using it.
    let helperChanged = false;
    for (const f of files) if (!this.deps.sync.isDagFile(folder, f) && !(await this.definesDags(f))) helperChanged = true;
    if (helperChanged) outcomes = [await this.deps.sync.syncFolder(folder, before)];
    else {
      outcomes = [];
      for (const file of files) outcomes.push(await this.deps.sync.syncFile(folder, file, before, await this.provenanceOf(folder, file)));
    }
    for (const outcome of outcomes) for (const key of ['registered', 'updated', 'unchanged', 'deactivated', 'importErrors'] as const) report[key].push(...outcome[key]);
    for (const dagId of await this.removedDags(files, report.deactivated)) {
      const dag = await this.deps.store.getDag(dagId);
      await this.deps.schedules.disable(dagId, dag ? scheduleOf(dag) : null);
      await this.endRunsOf(dagId);
    }
    if (this.deps.afterDeploy) await this.deps.afterDeploy(report);
    return report;
  }

  /** The commit a git pull brought the file's mirrored content from, if one did. */
  private async provenanceOf(folder: string, file: string): Promise<GitProvenance | undefined> {
    if (!this.deps.gitProvenance) return undefined;
    const content = await readFile(join(folder, ...file.split('/'))).catch(() => undefined);
    return content ? this.deps.gitProvenance(file, content) : undefined;
  }

  /**
   * The DAGs to wind down: those this event deactivated, and the inactive DAGs of the event's files
   * (a redelivered event whose first delivery deactivated them and died before their runs ended:
   * disabling the schedule and ending the runs are redone, each idempotent).
   */
  private async removedDags(files: readonly string[], deactivated: readonly string[]): Promise<string[]> {
    const named = new Set(files);
    const inactive = (await this.deps.store.listDags({ includeInactive: true })).items.filter((d) => !d.is_active && named.has(d.fileloc)).map((d) => d.dag_id);
    return [...new Set([...deactivated, ...inactive])];
  }

  /**
   * A DAG whose file is gone cannot go on running: its queued and running runs are marked failed as
   * the API's "mark failed" does (running tasks failed, unfinished ones skipped) and their executions
   * stopped. Records first: a stopped execution's handlers then find a finished run and do nothing.
   */
  private async endRunsOf(dagId: string): Promise<void> {
    const runs = await this.deps.store.listDagRuns(dagId, { states: [DagRunState.QUEUED, DagRunState.RUNNING] });
    const clock = this.deps.clock ?? (() => new Date());
    for (const run of runs) {
      const failed = await finishRunRecords({ store: this.deps.store, clock }, run, 'failed');
      await this.deps.stopRun(failed, `DAG '${dagId}' was removed: its file was deleted from the DAGs bucket`);
    }
  }

  /** A deleted file that defined DAGs is still a DAG file (its DAGs are deactivated). */
  private async definesDags(file: string): Promise<boolean> {
    const dags = await this.deps.store.listDags({ includeInactive: false });
    return dags.items.some((d) => d.fileloc === file) || (await this.deps.store.listImportErrors()).items.some((e) => e.filename === file);
  }

  private beforeRegister(report: DeployReport): BeforeRegister {
    return async (dag, version, previous) => {
      const recorded = await this.deps.store.getDagVersion(dag.dag_id, version);
      // Deployed and current already (a duplicate delivery): nothing to call.
      if (recorded?.state_machine_version_arn && previous?.current_version === version && previous.is_active) return { state_machine_version_arn: recorded.state_machine_version_arn };
      // Otherwise deploy, even a version deployed before (a file changed back): the alias must name the current one.
      const versionArn = await this.deployMachines(dag, version);
      // Enabled whenever the DAG is active: the scheduler pass skips paused DAGs, as Airflow's scheduler does.
      await this.deps.schedules.put(dag.dag_id, scheduleOf(dag));
      report.deployed.push(dag.dag_id);
      return { state_machine_version_arn: versionArn };
    };
  }

  /** Parts first (the main machine references their versions), then the main machine. */
  private async deployMachines(dag: Dag, version: string): Promise<string> {
    const compiled = compileDag(dag);
    const description = `DAG ${dag.dag_id} version ${version}`.slice(0, 256);
    const partArns: Record<string, string> = {};
    const publish = (machine: CompiledMachine, values: Readonly<Record<string, string>>) =>
      this.deps.machines.publish({ name: machine.name, definition: substitutePlaceholders(machine.definition, values, machine.name), versionDescription: description });
    for (const part of compiled.machines.filter((m) => m.role === 'part')) {
      partArns[part.placeholder!.slice(2, -1)] = await publish(part, this.deps.substitutions);
    }
    const main = compiled.machines.find((m) => m.role === 'main');
    if (!main) throw new Error(`DAG ${dag.dag_id}: the compiler produced no main state machine`);
    return publish(main, { ...this.deps.substitutions, ...partArns });
  }
}
