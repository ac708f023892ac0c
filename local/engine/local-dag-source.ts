/** The DAGs a local runtime knows, with their compiled machines registered in the local engine. */
import { createHash } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import { compileDag, machineName } from '../../shared/compiler/compile.js';
import type { Dag } from '../../shared/model/schema.js';
import type { DagSource } from '../../shared/runtime/handlers/deps.js';
import type { LocalEngine } from './local-engine.js';

/** The DAG version id: a hash of the canonical model (the same file gives the same version). */
export function dagVersion(dag: Dag): string {
  return createHash('sha256').update(JSON.stringify(dag)).digest('hex').slice(0, 16);
}

export class LocalDagSource implements DagSource {
  private readonly dags = new Map<string, Dag>();
  private readonly versions = new Map<string, Dag>();

  constructor(
    private readonly dagsFolder: string,
    private readonly engine: LocalEngine,
  ) {}

  /** Compiles and registers a DAG (replacing the previous version as current; old versions stay readable). */
  register(dag: Dag): void {
    this.engine.register(compileDag(dag));
    this.dags.set(dag.dag_id, dag);
    this.versions.set(`${dag.dag_id}@${dagVersion(dag)}`, dag);
  }

  list(): Dag[] {
    return [...this.dags.values()];
  }

  async getDag(dagId: string, version?: string | null): Promise<Dag | undefined> {
    return (version ? this.versions.get(`${dagId}@${version}`) : undefined) ?? this.dags.get(dagId);
  }

  async currentVersion(dagId: string): Promise<string | null> {
    const dag = this.dags.get(dagId);
    return dag ? dagVersion(dag) : null;
  }

  async stateMachineFor(dagId: string): Promise<string> {
    return machineName(dagId);
  }

  sourceLocation(dag: Dag): { dagFilePath: string; dagsFolder: string } {
    const folder = resolve(this.dagsFolder);
    return { dagFilePath: isAbsolute(dag.source.file) ? dag.source.file : join(folder, dag.source.file), dagsFolder: folder };
  }
}
