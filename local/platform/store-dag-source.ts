/**
 * The DAG source of the local platform: DAG models come from the metadata store (a version per
 * deployed file content), and each version's state machines are compiled and registered in the local
 * engine the first time a run needs them — as each upload publishes a new state machine version in
 * the cloud. Runs keep executing the version they were created with.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { compileDag } from '../../shared/compiler/compile.js';
import type { Dag } from '../../shared/model/schema.js';
import type { DagSource } from '../../shared/runtime/handlers/deps.js';
import type { DagStore } from '../../shared/stores/metadata.js';
import type { LocalEngine } from '../engine/local-engine.js';

export class StoreDagSource implements DagSource {
  private readonly models = new Map<string, Dag>();
  private readonly machines = new Map<string, string>();

  constructor(
    private readonly store: DagStore,
    private readonly engine: LocalEngine,
    private readonly dagsFolder: string,
  ) {}

  async currentVersion(dagId: string): Promise<string | null> {
    return (await this.store.getDag(dagId))?.current_version ?? null;
  }

  async getDag(dagId: string, version?: string | null): Promise<Dag | undefined> {
    const v = version ?? (await this.currentVersion(dagId));
    if (!v) return undefined;
    const key = `${dagId}@${v}`;
    const cached = this.models.get(key);
    if (cached) return cached;
    const record = await this.store.getDagVersion(dagId, v);
    if (!record) return undefined;
    this.models.set(key, record.model);
    return record.model;
  }

  async stateMachineFor(dagId: string, version?: string | null): Promise<string> {
    const v = version ?? (await this.currentVersion(dagId));
    const key = `${dagId}@${v}`;
    const known = this.machines.get(key);
    if (known) return known;
    const dag = await this.getDag(dagId, v);
    if (!dag || !v) throw new Error(`DAG '${dagId}' (version ${v ?? 'current'}) is not registered`);
    const name = this.engine.register(compileDag(dag), v);
    this.machines.set(key, name);
    return name;
  }

  sourceLocation(dag: Dag): { dagFilePath: string; dagsFolder: string } {
    const folder = resolve(this.dagsFolder);
    return { dagFilePath: isAbsolute(dag.source.file) ? dag.source.file : join(folder, dag.source.file), dagsFolder: folder };
  }
}
