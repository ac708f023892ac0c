/** The DAGs a local runtime knows, with their compiled machines registered in the local engine. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { BundleCache } from '../../shared/bundles/bundle-cache.js';
import { collectSourceBundle, type SourceBundle } from '../../shared/bundles/source-bundle.js';
import { compileDag } from '../../shared/compiler/compile.js';
import type { Dag } from '../../shared/model/schema.js';
import type { DagSource, SourceLocation } from '../../shared/runtime/handlers/deps.js';
import { pluginsFolder, projectFolder } from '../../shared/runtime/executors/python.js';
import type { LocalEngine } from './local-engine.js';

/**
 * The DAG version id: a hash of the canonical model and of its source bundle's digest (the same file
 * and imported modules give the same version; an edited helper module gives a new one).
 */
export function dagVersion(dag: Dag, bundleDigest?: string | null): string {
  const hash = createHash('sha256').update(JSON.stringify(dag));
  if (bundleDigest) hash.update(`\0bundle:${bundleDigest}`);
  return hash.digest('hex').slice(0, 16);
}

/** Where a DAG's file is in the live DAGs folder (versions without a bundle run from there). */
export function liveSourceLocation(dagsFolder: string, dag: Dag): SourceLocation {
  const folder = resolve(dagsFolder);
  return { dagFilePath: isAbsolute(dag.source.file) ? dag.source.file : join(folder, dag.source.file), dagsFolder: folder, pluginsFolder: pluginsFolder(folder), projectFolder: projectFolder(folder) };
}

/** Where a DAG's file is inside its extracted bundle. */
export function bundleSourceLocation(bundleFolder: string, dag: Dag, liveDagsFolder: string): SourceLocation {
  // The plugins and project folders stay the live ones beside the DAGs folder (they are not versioned).
  const live = resolve(liveDagsFolder);
  return { dagFilePath: join(bundleFolder, ...dag.source.file.split('/')), dagsFolder: bundleFolder, pluginsFolder: pluginsFolder(live), projectFolder: projectFolder(live) };
}

export class LocalDagSource implements DagSource {
  private readonly dags = new Map<string, { dag: Dag; version: string }>();
  private readonly versions = new Map<string, { dag: Dag; bundle: string | null; machine: string }>();
  private readonly bundles = new Map<string, SourceBundle>();
  private readonly cache: BundleCache;

  /** @param bundleRoot where bundles are extracted for the runner (see bundle-cache.ts) */
  constructor(
    private readonly dagsFolder: string,
    private readonly engine: LocalEngine,
    bundleRoot: string,
  ) {
    this.cache = new BundleCache(bundleRoot, async (digest) => this.bundles.get(digest));
  }

  /**
   * Compiles and registers a DAG (replacing the previous version as current; old versions stay
   * readable). Its source files are bundled now, so runs of this version keep executing them even if
   * the DAGs folder changes; a model whose file is not in the DAGs folder runs from the folder.
   */
  register(dag: Dag): string {
    const path = liveSourceLocation(this.dagsFolder, dag).dagFilePath;
    const bundle = !isAbsolute(dag.source.file) && existsSync(path) ? collectSourceBundle(this.dagsFolder, dag.source.file, readFileSync(path), [dag]) : undefined;
    if (bundle) this.bundles.set(bundle.digest, bundle);
    const version = dagVersion(dag, bundle?.digest);
    // Each version has its own machines (parts too), so a split run keeps running its version's parts.
    const machine = this.engine.register(compileDag(dag), version);
    this.dags.set(dag.dag_id, { dag, version });
    this.versions.set(`${dag.dag_id}@${version}`, { dag, bundle: bundle?.digest ?? null, machine });
    return version;
  }

  list(): Dag[] {
    return [...this.dags.values()].map((d) => d.dag);
  }

  async getDag(dagId: string, version?: string | null): Promise<Dag | undefined> {
    return (version ? this.versions.get(`${dagId}@${version}`)?.dag : undefined) ?? this.dags.get(dagId)?.dag;
  }

  async currentVersion(dagId: string): Promise<string | null> {
    return this.dags.get(dagId)?.version ?? null;
  }

  async stateMachineFor(dagId: string, version?: string | null): Promise<string> {
    // As getDag: a version this source never registered runs the current one.
    const current = this.dags.get(dagId)?.version;
    const known = (version ? this.versions.get(`${dagId}@${version}`) : undefined) ?? (current ? this.versions.get(`${dagId}@${current}`) : undefined);
    if (!known) throw new Error(`DAG '${dagId}' is not registered`);
    return known.machine;
  }

  async sourceLocation(dag: Dag, version?: string | null): Promise<SourceLocation> {
    const known = version ? this.versions.get(`${dag.dag_id}@${version}`) : undefined;
    if (!known?.bundle) return liveSourceLocation(this.dagsFolder, dag);
    return bundleSourceLocation(await this.cache.folder(known.bundle), dag, this.dagsFolder);
  }
}
