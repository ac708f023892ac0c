/** Writes the platform archive (layout.ts): everything it names, secrets sealed with the passphrase or left out. */
import type { SecretCipher } from '../api/secrets/cipher.js';
import { decryptConnection, variableValue } from '../api/secrets/records.js';
import { configGroupEntries } from '../spark/archive.js';
import { writeTarGz, type TarEntry } from '../util/tar.js';
import { ARCHIVE_FORMAT, ARCHIVE_VERSION, GIT_PULLED_PREFIX, secretContext, type Manifest, type TransferDeps } from './layout.js';
import { sealingForExport } from './sealing.js';

export interface ExportOptions {
  /** Seals secrets with a key derived from it; absent: secrets are left out of the archive. */
  passphrase?: string;
}

export interface ExportSummary {
  dag_files: number;
  dag_versions: number;
  config_groups: number;
  artifacts: number;
  variables: number;
  connections: number;
  pools: number;
  roles: number;
  users: number;
  secrets: Manifest['secrets'];
  /** DAG files not in the archive, and why. */
  skipped: string[];
}

const json = (path: string, value: unknown): TarEntry => ({ path, data: Buffer.from(`${JSON.stringify(value, null, 2)}\n`) });

async function dagEntries(deps: TransferDeps, summary: ExportSummary): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const files = new Map<string, string>();
  const dags: { dag_id: string; fileloc: string; is_paused: boolean }[] = [];
  for (const dag of (await deps.store.listDags({ includeInactive: false })).items) {
    if (dag.fileloc.startsWith(GIT_PULLED_PREFIX)) {
      summary.skipped.push(`${dag.fileloc}: pulled from ${dag.fileloc.split('/')[1]}'s git repository (the next pull brings it)`);
      continue;
    }
    const history = [];
    for (const header of await deps.store.listDagVersions(dag.dag_id)) {
      const version = await deps.store.getDagVersion(dag.dag_id, header.version);
      if (!version) continue;
      history.push({ version: version.version, created_at: version.created_at, fileloc: version.fileloc, ...(version.bundle ? { bundle: version.bundle } : {}), source: version.source ?? null, git: version.git ?? null, model: version.model });
      if (version.version === dag.current_version && version.source !== undefined) files.set(dag.fileloc, version.source);
    }
    if (!files.has(dag.fileloc)) {
      summary.skipped.push(`${dag.fileloc}: its current version was recorded without the file's text`);
      continue;
    }
    dags.push({ dag_id: dag.dag_id, fileloc: dag.fileloc, is_paused: dag.is_paused });
    entries.push(json(`dags/versions/${dag.dag_id}.json`, history));
    summary.dag_versions += history.length;
  }
  for (const [path, source] of files) entries.push({ path: `dags/files/${path}`, data: Buffer.from(source, 'utf8') });
  entries.push(json('dags/dags.json', dags));
  summary.dag_files = files.size;
  return entries;
}

/** The config-group entries with their secrets sealed (or dropped without a passphrase). */
async function groupEntries(deps: TransferDeps, sealer: SecretCipher | undefined, summary: ExportSummary): Promise<TarEntry[]> {
  if (!deps.spark) return [];
  summary.config_groups = (await deps.spark.groups.list()).length;
  return (await configGroupEntries(deps.spark.groups, { withSecrets: sealer !== undefined })).map((entry) => {
    const [, group, what] = entry.path.split('/');
    if (!sealer || (what !== 'keytab' && what !== 'livy-password')) return entry;
    const clear = what === 'keytab' ? entry.data.toString('base64') : entry.data.toString('utf8');
    return { path: `${entry.path}.sealed`, data: Buffer.from(sealer.encrypt(clear, secretContext.group(group!, what))) };
  });
}

export async function exportPlatform(deps: TransferDeps, options: ExportOptions = {}): Promise<{ archive: Buffer; summary: ExportSummary }> {
  const sealing = options.passphrase === undefined ? undefined : await sealingForExport(options.passphrase);
  const sealer = sealing?.cipher;
  const summary: ExportSummary = { dag_files: 0, dag_versions: 0, config_groups: 0, artifacts: 0, variables: 0, connections: 0, pools: 0, roles: 0, users: 0, secrets: sealer ? 'sealed' : 'omitted', skipped: [] };
  const manifest: Manifest = {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    created_at: deps.clock().toISOString(),
    skydag_version: deps.version,
    secrets: summary.secrets,
    ...(sealing ? { kdf: sealing.kdf, check: sealing.check } : {}),
  };
  const entries: TarEntry[] = [json('manifest.json', manifest), ...(await dagEntries(deps, summary)), ...(await groupEntries(deps, sealer, summary))];

  for (const artifact of deps.spark ? await deps.spark.artifacts.list() : []) {
    const data = await deps.spark!.artifacts.get(artifact.kind, artifact.name);
    if (data) entries.push({ path: `artifacts/${artifact.kind}/${artifact.name}`, data });
  }
  summary.artifacts = entries.filter((e) => e.path.startsWith('artifacts/')).length;

  const variables = (await deps.store.listVariables()).items.map((v) => ({
    key: v.key,
    description: v.description,
    ...(sealer ? { value_sealed: sealer.encrypt(variableValue(deps.cipher, v), secretContext.variable(v.key)) } : {}),
  }));
  const connections = (await deps.store.listConnections()).items.map((record) => {
    const c = decryptConnection(deps.cipher, record);
    const seal = (value: string | null, field: 'password' | 'extra') => (sealer && value !== null ? { [`${field}_sealed`]: sealer.encrypt(value, secretContext.connection(c.conn_id, field)) } : {});
    return { conn_id: c.conn_id, conn_type: c.conn_type, description: c.description, host: c.host, schema: c.schema, login: c.login, port: c.port, ...seal(c.password, 'password'), ...seal(c.extra, 'extra') };
  });
  const pools = (await deps.store.listPools()).items.map((p) => ({ name: p.name, slots: p.slots, description: p.description }));
  const roles = (await deps.store.listRoles()).items.map((r) => ({ name: r.name, permissions: r.permissions }));
  const users = (await deps.store.listUsers()).items.map((u) => ({ username: u.username, email: u.email, first_name: u.first_name, last_name: u.last_name, roles: u.roles, active: u.active, ...(u.auth_source ? { auth_source: u.auth_source } : {}) }));
  entries.push(json('variables.json', variables), json('connections.json', connections), json('pools.json', pools), json('roles.json', roles), json('users.json', users));
  Object.assign(summary, { variables: variables.length, connections: connections.length, pools: pools.length, roles: roles.length, users: users.length });
  return { archive: writeTarGz(entries, deps.clock()), summary };
}
