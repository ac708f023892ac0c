/** Planning the file parts of an import: DAG files (read as an upload is), config groups and artifacts. */
import { DAG_FILE_EXTENSIONS } from '../frontends/index.js';
import { formatDiagnostic, hasErrors } from '../model/diagnostics.js';
import type { SecretCipher } from '../api/secrets/cipher.js';
import { applyConfigGroups, checkConfigGroupEntries } from '../spark/archive.js';
import { checkGroupInput } from '../spark/config-groups.js';
import { checkArtifactKind, checkArtifactName, SparkInputError } from '../spark/names.js';
import type { TarEntry } from '../util/tar.js';
import { GIT_PULLED_PREFIX, secretContext, TransferError, type TransferDeps } from './layout.js';
import { note, type Plan } from './plan.js';
import { openSealed } from './sealing.js';

const MAX_DAG_FILE_BYTES = 2 * 1024 * 1024;
const DAG_PATH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;

/** A DAG file's path in the DAGs folder/bucket: relative, plain segments, a DAG extension, not a git-pulled file. */
function checkDagPath(path: string): string {
  const segments = path.split('/');
  const name = segments[segments.length - 1]!;
  if (path.length > 500 || !segments.every((s) => DAG_PATH_SEGMENT.test(s) && s !== '..')) throw new TransferError(`dags/files/${path}: a DAG file path may hold only letters, digits, '_', '.' and '-' (no hidden names)`);
  if (!DAG_FILE_EXTENSIONS.some((ext) => name.endsWith(ext))) throw new TransferError(`dags/files/${path}: a DAG file's extension must be one of ${DAG_FILE_EXTENSIONS.join(', ')}`);
  if (path.startsWith(GIT_PULLED_PREFIX)) throw new TransferError(`dags/files/${path}: git/ belongs to the users' git pulls`);
  return path;
}

export async function planDagFiles(deps: TransferDeps, files: readonly TarEntry[], dagsDoc: { dag_id: string; is_paused: boolean }[] | undefined, plan: Plan): Promise<void> {
  const definedBy = new Map<string, string>();
  const incoming = new Set(files.map((f) => f.path.slice('dags/files/'.length)));
  for (const entry of files) {
    const path = checkDagPath(entry.path.slice('dags/files/'.length));
    if (entry.data.length > MAX_DAG_FILE_BYTES) throw new TransferError(`${entry.path}: larger than ${MAX_DAG_FILE_BYTES} bytes`);
    let content: string;
    try {
      content = new TextDecoder('utf-8', { fatal: true }).decode(entry.data);
    } catch {
      throw new TransferError(`${entry.path}: not UTF-8 text`);
    }
    const loaded = await deps.dagLoader.load(content, { file: path, now: deps.clock() });
    if (hasErrors(loaded.diagnostics)) throw new TransferError(`${entry.path} does not read:\n${loaded.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n')}`);
    if (loaded.dags.length === 0) throw new TransferError(`${entry.path} defines no DAG`);
    for (const dag of loaded.dags) {
      const other = definedBy.get(dag.dag_id);
      if (other) throw new TransferError(`DAG id '${dag.dag_id}' is defined by both dags/files/${other} and ${entry.path}`);
      definedBy.set(dag.dag_id, path);
      const existing = await deps.store.getDag(dag.dag_id);
      if (existing?.is_active && existing.fileloc !== path && !incoming.has(existing.fileloc)) {
        throw new TransferError(`${entry.path}: DAG id '${dag.dag_id}' is already defined on this platform by ${existing.fileloc}`);
      }
    }
    const before = await currentDagFile(deps, path);
    if (!note(plan.report, 'dag_files', path, before, content, before !== undefined)) continue;
    plan.writes.push(async () => {
      await deps.dagFiles.write(path, content);
      return async () => void (before === undefined ? await deps.dagFiles.remove(path) : await deps.dagFiles.write(path, before));
    });
  }
  // The pause state is the archive's for every DAG that exists once the files are read (locally at once; in AWS the deployer reads them after).
  const paused = (dagsDoc ?? []).filter((d) => definedBy.has(d.dag_id));
  if (paused.length) {
    plan.writes.push(async () => {
      const undo: (() => Promise<unknown>)[] = [];
      for (const d of paused) {
        const record = await deps.store.getDag(d.dag_id);
        if (!record || record.is_paused === d.is_paused) continue;
        await deps.store.updateDag(d.dag_id, { is_paused: d.is_paused });
        undo.push(() => deps.store.updateDag(d.dag_id, { is_paused: record.is_paused }));
      }
      return async () => void (await Promise.all(undo.map((u) => u())));
    });
  }
}

/** The file as the target holds it now: read from the sink when it can, else its DAGs' current version text. */
async function currentDagFile(deps: TransferDeps, path: string): Promise<string | undefined> {
  if (deps.dagFiles.read) return deps.dagFiles.read(path);
  for (const dag of (await deps.store.listDags({ includeInactive: false })).items) {
    if (dag.fileloc !== path) continue;
    const source = (await deps.store.getDagVersion(dag.dag_id, dag.current_version))?.source;
    if (source !== undefined) return source;
  }
  return undefined;
}

export async function planConfigGroups(deps: TransferDeps, entries: readonly TarEntry[], sealer: SecretCipher | undefined, plan: Plan): Promise<void> {
  if (!entries.length) return;
  const spark = deps.spark;
  if (!spark) throw new TransferError('the archive holds config groups, and this deployment has no Spark configuration');
  const opened: TarEntry[] = [];
  for (const entry of entries) {
    const match = /^configs\/([^/]+)\/(keytab|livy-password)(\.sealed)?$/.exec(entry.path);
    if (match && !match[3]) throw new TransferError(`${entry.path}: a secret in clear; archives carry secrets only sealed with a passphrase`);
    if (!match) {
      opened.push(entry);
      continue;
    }
    if (!sealer) throw new TransferError(`${entry.path}: a sealed secret in an archive whose manifest says secrets are omitted`);
    const what = match[2] as 'keytab' | 'livy-password';
    const clear = openSealed(sealer, entry.data.toString('utf8'), secretContext.group(match[1]!, what), entry.path);
    opened.push({ path: `configs/${match[1]}/${what}`, data: what === 'keytab' ? Buffer.from(clear, 'base64') : Buffer.from(clear, 'utf8') });
  }
  let checked;
  try {
    checked = await checkConfigGroupEntries(spark.groups, opened);
  } catch (error) {
    if (error instanceof SparkInputError) throw new TransferError(error.message);
    throw error;
  }
  let changed = checked.defaultName !== undefined && checked.defaultName !== (await spark.groups.defaultName());
  for (const group of checked.groups) {
    const existing = await spark.groups.get(group.name);
    const comparable = (g: unknown, keytab: Uint8Array | undefined, livy: string | undefined) => [g, keytab ? Buffer.from(keytab).toString('base64') : null, livy ?? null];
    const before = existing && (({ secrets: _s, updated_at: _u, ...rest }) => comparable(checkGroupInput(rest), spark.groups.keytab(existing), spark.groups.livyPassword(existing)))(existing);
    const after = comparable(checkGroupInput(group.raw), group.secrets.keytab ?? (existing && spark.groups.keytab(existing)), group.secrets.livyPassword ?? (existing && spark.groups.livyPassword(existing)));
    changed = note(plan.report, 'config_groups', group.name, before, after, existing !== undefined) || changed;
  }
  if (!changed) return;
  plan.writes.push(async () => {
    const snapshot = await spark.groups.snapshot();
    await applyConfigGroups(spark.groups, checked);
    return () => spark.groups.restore(snapshot);
  });
}

export async function planArtifacts(deps: TransferDeps, entries: readonly TarEntry[], plan: Plan): Promise<void> {
  if (!entries.length) return;
  const artifacts = deps.spark?.artifacts;
  if (!artifacts) throw new TransferError('the archive holds code artifacts, and this deployment has no Spark configuration');
  for (const entry of entries) {
    const [, rawKind, rawName] = entry.path.split('/');
    let kind, name: string;
    try {
      kind = checkArtifactKind(rawKind);
      name = checkArtifactName(rawName);
    } catch (error) {
      if (error instanceof SparkInputError) throw new TransferError(`${entry.path}: ${error.message}`);
      throw error;
    }
    if (entry.data.length === 0 || entry.data.length > artifacts.maxBytes) throw new TransferError(`${entry.path}: an artifact must have 1 byte to ${artifacts.maxBytes} bytes`);
    const before = await artifacts.get(kind, name);
    if (!note(plan.report, 'artifacts', `${kind}/${name}`, before?.toString('base64'), entry.data.toString('base64'), before !== undefined)) continue;
    plan.writes.push(async () => {
      await artifacts.upload(kind, name, entry.data);
      return async () => void (before ? await artifacts.upload(kind, name, before) : await artifacts.delete(kind, name));
    });
  }
}
