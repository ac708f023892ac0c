/**
 * The DAG source of the cloud runtime: DAG models by version from the metadata store (the deployer
 * records them), the state machine a version's runs execute (the published Step Functions version
 * the deployer recorded on the version, else the DAG's alias), and each version's source bundle
 * extracted from the artifacts bucket into a folder that warm invocations keep (shared/bundles).
 */
import { join } from 'node:path';
import type { BundleCache } from '../bundles/bundle-cache.js';
import { machineName } from '../compiler/compile.js';
import type { DagVersionRecord } from '../model/records.js';
import type { Dag } from '../model/schema.js';
import type { DagSource, SourceLocation } from '../runtime/handlers/deps.js';
import type { DagStore } from '../stores/metadata.js';

export interface CloudDagSourceOptions {
  store: Pick<DagStore, 'getDag' | 'getDagVersion'>;
  bundles: BundleCache;
  /** `arn:aws:states:<region>:<account>:stateMachine:` */
  stateMachineArnPrefix: string;
  /** The alias the deployer points at a DAG's newest version (used for versions that record no machine version). */
  alias: string;
}

/** A version record as the deployer writes it: with the published version of its main state machine. */
type DeployedVersion = DagVersionRecord & { state_machine_version_arn?: string };

export class CloudDagSource implements DagSource {
  // Version records are immutable (content-addressed): a warm container keeps those it has read.
  private readonly records = new Map<string, DeployedVersion>();

  constructor(private readonly options: CloudDagSourceOptions) {}

  async currentVersion(dagId: string): Promise<string | null> {
    return (await this.options.store.getDag(dagId))?.current_version ?? null;
  }

  async getDag(dagId: string, version?: string | null): Promise<Dag | undefined> {
    return (await this.versionRecord(dagId, version))?.model;
  }

  async stateMachineFor(dagId: string, version?: string | null): Promise<string> {
    const record = await this.versionRecord(dagId, version);
    if (!record) throw new Error(`DAG '${dagId}' (version ${version ?? 'current'}) is not deployed`);
    return record.state_machine_version_arn ?? `${this.options.stateMachineArnPrefix}${machineName(dagId)}:${this.options.alias}`;
  }

  async sourceLocation(dag: Dag, version?: string | null): Promise<SourceLocation> {
    const bundle = (await this.versionRecord(dag.dag_id, version))?.bundle;
    if (!bundle) throw new Error(`DAG '${dag.dag_id}' (version ${version ?? 'current'}) has no source bundle: deploy its file again`);
    const folder = await this.options.bundles.folder(bundle);
    // Plugins are not versioned; in the cloud they ship inside the bundle's folder when the DAG imports them.
    return { dagFilePath: join(folder, ...dag.source.file.split('/')), dagsFolder: folder };
  }

  private async versionRecord(dagId: string, version?: string | null): Promise<DeployedVersion | undefined> {
    const v = version ?? (await this.currentVersion(dagId));
    if (!v) return undefined;
    const key = `${dagId}@${v}`;
    const cached = this.records.get(key);
    if (cached) return cached;
    const record = await this.options.store.getDagVersion(dagId, v);
    if (record) this.records.set(key, record);
    return record;
  }
}

/** The ARN of a run's execution: executions are named under the main machine whatever version or alias started them. */
export function executionArn(stateMachineArnPrefix: string, dagId: string, name: string): string {
  return `${stateMachineArnPrefix.replace(/:stateMachine:$/, ':execution:')}${machineName(dagId)}:${name}`;
}
