/**
 * Reads a platform archive (layout.ts) and imports it: everything is read and checked first — the
 * archive itself (tar-slip, links, sizes, duplicates: util/tar.ts), its format version, every JSON
 * document, every DAG file (parsed by the bounded loader, as an upload is), every config group,
 * artifact name and sealed secret — and a dry run stops there, answering what would change. Applied,
 * the changes are written in order and each write records how to undo it; if one fails, what was
 * written is undone in reverse, so an import lands whole or not at all.
 *
 * Merging, as Couture's import did: what the archive holds is created or replaced, what it does not
 * is kept. Users that exist are kept as they are (their password, roles and state are the target's);
 * new users come without a password (an Admin sets one, or they sign in through LDAP). Secrets the
 * archive left out keep the target's values.
 */
import { DAG_FILE_EXTENSIONS } from '../frontends/index.js';
import { formatDiagnostic, hasErrors } from '../model/diagnostics.js';
import type { ConnectionRecord, PermissionPair, UserRecord } from '../model/records.js';
import { isRoleName, parsePair } from '../api/auth/permissions.js';
import { USERNAME_PATTERN } from '../api/auth/users.js';
import { ApiError } from '../api/problem.js';
import type { SecretCipher } from '../api/secrets/cipher.js';
import { decryptConnection, encryptConnection, encryptVariable, variableValue, type PlainConnection } from '../api/secrets/records.js';
import { validateBody, type JsonSchema } from '../api/validation.js';
import { applyConfigGroups, checkConfigGroupEntries } from '../spark/archive.js';
import { checkGroupInput } from '../spark/config-groups.js';
import { checkArtifactKind, checkArtifactName, SparkInputError } from '../spark/names.js';
import { ArchiveError, readTarGz, type TarEntry } from '../util/tar.js';
import { ARCHIVE_FORMAT, ARCHIVE_VERSION, GIT_PULLED_PREFIX, MAX_ARCHIVE_ENTRIES, MAX_ARCHIVE_UNPACKED_BYTES, secretContext, TransferError, type Manifest, type TransferDeps } from './layout.js';
import { openSealed, sealingForImport } from './sealing.js';

export interface ImportOptions {
  dryRun: boolean;
  /** Opens the archive's sealed secrets; required when it has some. */
  passphrase?: string;
}

export interface KindChanges {
  create: string[];
  update: string[];
  unchanged: string[];
}

const KINDS = ['dag_files', 'config_groups', 'artifacts', 'variables', 'connections', 'pools', 'roles', 'users'] as const;
type Kind = (typeof KINDS)[number];

export interface ImportReport {
  dry_run: boolean;
  applied: boolean;
  secrets: Manifest['secrets'];
  changes: Record<Kind, KindChanges>;
  /** What the caller should know: secrets kept, users without a password, history kept in the archive. */
  notes: string[];
}

/** One write of an import: done, it answers how to undo itself. */
type Write = () => Promise<() => Promise<void>>;

interface Plan {
  report: ImportReport;
  writes: Write[];
}

const MAX_DAG_FILE_BYTES = 2 * 1024 * 1024;
const DAG_PATH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;

/** Checks one JSON document of the archive against its schema (every problem named with the file). */
function document<T>(entry: TarEntry | undefined, path: string, schema: JsonSchema): T | undefined {
  if (!entry) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(entry.data));
  } catch {
    throw new TransferError(`${path}: not valid JSON`);
  }
  try {
    return validateBody<T>(schema, value);
  } catch (error) {
    if (error instanceof ApiError) throw new TransferError(`${path}: ${error.detail.replace(/\bbody\b/g, path)}`);
    throw error;
  }
}

const nullableString: JsonSchema = { type: ['string', 'null'], maxLength: 65_536 };
const list = (properties: Record<string, JsonSchema>, required: string[]): JsonSchema => ({ type: 'array', items: { type: 'object', properties, required, additionalProperties: false } });

const SCHEMAS = {
  manifest: { type: 'object', properties: { format: { type: 'string' }, version: { type: 'integer' } }, required: ['format', 'version'] } as JsonSchema,
  dags: list({ dag_id: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,250}$' }, fileloc: { type: 'string' }, is_paused: { type: 'boolean' } }, ['dag_id', 'fileloc', 'is_paused']),
  variables: list({ key: { type: 'string', minLength: 1, maxLength: 250 }, description: nullableString, value_sealed: { type: 'string' } }, ['key']),
  connections: list(
    {
      conn_id: { type: 'string', minLength: 1, maxLength: 250, pattern: '^[A-Za-z0-9_.-]+$' },
      conn_type: { type: 'string', minLength: 1, maxLength: 500 },
      description: nullableString,
      host: nullableString,
      schema: nullableString,
      login: nullableString,
      port: { type: ['integer', 'null'], minimum: 0, maximum: 65535 },
      password_sealed: { type: 'string' },
      extra_sealed: { type: 'string' },
    },
    ['conn_id', 'conn_type'],
  ),
  pools: list({ name: { type: 'string', minLength: 1, maxLength: 256 }, slots: { type: 'integer', minimum: -1 }, description: nullableString }, ['name', 'slots']),
  roles: list(
    {
      name: { type: 'string', minLength: 1, maxLength: 64 },
      permissions: { type: 'array', items: { type: 'object', properties: { action: { type: 'string' }, resource: { type: 'string' } }, required: ['action', 'resource'], additionalProperties: false } },
    },
    ['name', 'permissions'],
  ),
  users: list(
    {
      username: { type: 'string', minLength: 1, maxLength: 256, pattern: USERNAME_PATTERN.source },
      email: { type: 'string', maxLength: 256 },
      first_name: { type: 'string', maxLength: 256 },
      last_name: { type: 'string', maxLength: 256 },
      roles: { type: 'array', items: { type: 'string' } },
      active: { type: 'boolean' },
      auth_source: { type: 'string', enum: ['ldap'] },
    },
    ['username', 'email', 'first_name', 'last_name', 'roles', 'active'],
  ),
} satisfies Record<string, JsonSchema>;

/** A DAG file's path in the DAGs folder/bucket: relative, plain segments, a DAG extension, not a git-pulled file. */
function checkDagPath(path: string): string {
  const segments = path.split('/');
  const name = segments[segments.length - 1]!;
  if (path.length > 500 || !segments.every((s) => DAG_PATH_SEGMENT.test(s) && s !== '..')) throw new TransferError(`dags/files/${path}: a DAG file path may hold only letters, digits, '_', '.' and '-' (no hidden names)`);
  if (!DAG_FILE_EXTENSIONS.some((ext) => name.endsWith(ext))) throw new TransferError(`dags/files/${path}: a DAG file's extension must be one of ${DAG_FILE_EXTENSIONS.join(', ')}`);
  if (path.startsWith(GIT_PULLED_PREFIX)) throw new TransferError(`dags/files/${path}: git/ belongs to the users' git pulls`);
  return path;
}

function changes(): KindChanges {
  return { create: [], update: [], unchanged: [] };
}

/** Records the action on `name` in the report; true when something is to be written. */
function note(report: ImportReport, kind: Kind, name: string, before: unknown, after: unknown, exists: boolean): boolean {
  const action = !exists ? 'create' : JSON.stringify(before) === JSON.stringify(after) ? 'unchanged' : 'update';
  report.changes[kind][action].push(name);
  return action !== 'unchanged';
}

/** The archive's entries, grouped by part; anything the format does not name is refused. */
function sortEntries(entries: readonly TarEntry[]) {
  const single = new Map<string, TarEntry>();
  const parts = { dagFiles: [] as TarEntry[], versions: [] as TarEntry[], configs: [] as TarEntry[], artifacts: [] as TarEntry[] };
  for (const entry of entries) {
    const p = entry.path;
    if (['manifest.json', 'dags/dags.json', 'variables.json', 'connections.json', 'pools.json', 'roles.json', 'users.json'].includes(p)) single.set(p, entry);
    else if (p.startsWith('dags/files/')) parts.dagFiles.push(entry);
    else if (/^dags\/versions\/[A-Za-z0-9_.-]{1,250}\.json$/.test(p)) parts.versions.push(entry);
    else if (p.startsWith('configs/')) parts.configs.push(entry);
    else if (/^artifacts\/[^/]+\/[^/]+$/.test(p)) parts.artifacts.push(entry);
    else throw new TransferError(`${p.slice(0, 200)}: not part of a skydag archive`);
  }
  return { single, ...parts };
}

async function planDagFiles(deps: TransferDeps, files: readonly TarEntry[], dagsDoc: { dag_id: string; is_paused: boolean }[] | undefined, plan: Plan): Promise<void> {
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

async function planConfigGroups(deps: TransferDeps, entries: readonly TarEntry[], sealer: SecretCipher | undefined, plan: Plan): Promise<void> {
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

async function planArtifacts(deps: TransferDeps, entries: readonly TarEntry[], plan: Plan): Promise<void> {
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

type VariableDoc = { key: string; description?: string | null; value_sealed?: string }[];
type ConnectionDoc = (Omit<PlainConnection, 'password' | 'extra' | 'description' | 'host' | 'schema' | 'login' | 'port'> & Partial<PlainConnection> & { password_sealed?: string; extra_sealed?: string })[];

async function planVariables(deps: TransferDeps, doc: VariableDoc, sealer: SecretCipher | undefined, plan: Plan): Promise<void> {
  let withoutValue = 0;
  for (const v of unique(doc, (x) => x.key, 'variables.json')) {
    const existing = await deps.store.getVariable(v.key);
    const current = existing && { value: variableValue(deps.cipher, existing), description: existing.description };
    if (v.value_sealed !== undefined && !sealer) throw new TransferError(`variables.json: '${v.key}' has a sealed value, and the manifest says secrets are omitted`);
    const value = v.value_sealed !== undefined ? openSealed(sealer!, v.value_sealed, secretContext.variable(v.key), `variables.json '${v.key}'`) : current?.value;
    if (value === undefined) {
      withoutValue++;
      continue;
    }
    const next = { value, description: v.description ?? null };
    if (!note(plan.report, 'variables', v.key, current, next, existing !== undefined)) continue;
    plan.writes.push(async () => {
      await deps.store.putVariable(encryptVariable(deps.cipher, v.key, next.value, next.description));
      return async () => void (existing ? await deps.store.putVariable(existing) : await deps.store.deleteVariable(v.key));
    });
  }
  if (withoutValue) plan.report.notes.push(`${withoutValue} variable(s) are not created: the archive has no value for them (exported without a passphrase)`);
}

async function planConnections(deps: TransferDeps, doc: ConnectionDoc, sealer: SecretCipher | undefined, plan: Plan): Promise<void> {
  for (const c of unique(doc, (x) => x.conn_id, 'connections.json')) {
    const existing: ConnectionRecord | undefined = await deps.store.getConnection(c.conn_id);
    const current = existing && decryptConnection(deps.cipher, existing);
    const secret = (field: 'password' | 'extra', sealed: string | undefined): string | null => {
      if (sealed === undefined) return current?.[field] ?? null;
      if (!sealer) throw new TransferError(`connections.json: '${c.conn_id}' has a sealed ${field}, and the manifest says secrets are omitted`);
      return openSealed(sealer, sealed, secretContext.connection(c.conn_id, field), `connections.json '${c.conn_id}' ${field}`);
    };
    const next: PlainConnection = {
      conn_id: c.conn_id,
      conn_type: c.conn_type,
      description: c.description ?? null,
      host: c.host ?? null,
      schema: c.schema ?? null,
      login: c.login ?? null,
      password: secret('password', c.password_sealed),
      port: c.port ?? null,
      extra: secret('extra', c.extra_sealed),
    };
    if (next.extra) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(next.extra);
      } catch {
        parsed = undefined;
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TransferError(`connections.json: the extra of '${c.conn_id}' is not a JSON object`);
    }
    if (!note(plan.report, 'connections', c.conn_id, current, next, existing !== undefined)) continue;
    plan.writes.push(async () => {
      await deps.store.putConnection(encryptConnection(deps.cipher, next));
      return async () => void (existing ? await deps.store.putConnection(existing) : await deps.store.deleteConnection(c.conn_id));
    });
  }
}

function unique<T>(items: readonly T[], key: (item: T) => string, file: string): readonly T[] {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) throw new TransferError(`${file} names '${k}' twice`);
    seen.add(k);
  }
  return items;
}

async function planAccounts(deps: TransferDeps, pools: { name: string; slots: number; description?: string | null }[], roles: { name: string; permissions: PermissionPair[] }[], users: Omit<UserRecord, 'password_hash' | 'created_on' | 'changed_on' | 'last_login'>[], plan: Plan): Promise<void> {
  const now = deps.clock().toISOString();
  for (const p of unique(pools, (x) => x.name, 'pools.json')) {
    const existing = await deps.store.getPool(p.name);
    const next = { name: p.name, slots: p.slots, description: p.description ?? null };
    if (!note(plan.report, 'pools', p.name, existing, next, existing !== undefined)) continue;
    plan.writes.push(async () => {
      await deps.store.putPool(next);
      return async () => void (existing ? await deps.store.putPool(existing) : await deps.store.deletePool(p.name));
    });
  }
  const roleNames = new Set<string>();
  for (const r of unique(roles, (x) => x.name, 'roles.json')) {
    if (isRoleName(r.name)) throw new TransferError(`roles.json: '${r.name}' is a built-in role; its permissions are fixed`);
    const problems = r.permissions.flatMap((pair) => {
      const parsed = parsePair(pair);
      return 'problem' in parsed ? [parsed.problem] : [];
    });
    if (problems.length) throw new TransferError(`roles.json: role '${r.name}': ${[...new Set(problems)].join('; ')}`);
    roleNames.add(r.name);
    const existing = await deps.store.getRole(r.name);
    const key = (pairs: readonly PermissionPair[]) => pairs.map((p) => `${p.action} ${p.resource}`).sort();
    if (!note(plan.report, 'roles', r.name, existing && key(existing.permissions), key(r.permissions), existing !== undefined)) continue;
    plan.writes.push(async () => {
      await deps.store.putRole({ name: r.name, permissions: r.permissions, created_on: existing?.created_on ?? now, changed_on: now });
      return async () => void (existing ? await deps.store.putRole(existing) : await deps.store.deleteRole(r.name));
    });
  }
  let created = 0;
  for (const u of unique(users, (x) => x.username, 'users.json')) {
    for (const role of u.roles) {
      if (!isRoleName(role) && !roleNames.has(role) && !(await deps.store.getRole(role))) throw new TransferError(`users.json: user '${u.username}' has the role '${role}', which is neither built in, in roles.json, nor on this platform`);
    }
    const existing = await deps.store.getUser(u.username);
    if (existing) {
      plan.report.changes.users.unchanged.push(u.username);
      continue;
    }
    plan.report.changes.users.create.push(u.username);
    if (u.auth_source !== 'ldap') created++;
    const record: UserRecord = { ...u, password_hash: '', created_on: now, changed_on: now, last_login: null };
    plan.writes.push(async () => {
      await deps.store.putUser(record, { createOnly: true });
      return async () => void (await deps.store.deleteUser(u.username));
    });
  }
  if (plan.report.changes.users.unchanged.length) plan.report.notes.push('users that exist here are kept as they are (password, roles and state)');
  if (created) plan.report.notes.push(`${created} new local user(s) have no password until an Admin sets one (PATCH /api/v1/users/{username})`);
}

/** Reads, checks and plans an import; nothing is written. */
async function planImport(deps: TransferDeps, archive: Buffer, passphrase: string | undefined): Promise<Plan> {
  let entries: TarEntry[];
  try {
    entries = readTarGz(archive, { maxEntries: MAX_ARCHIVE_ENTRIES, maxBytes: MAX_ARCHIVE_UNPACKED_BYTES });
  } catch (error) {
    if (error instanceof ArchiveError) throw new TransferError(error.message);
    throw error;
  }
  const parts = sortEntries(entries);
  const manifest = document<Manifest>(parts.single.get('manifest.json'), 'manifest.json', SCHEMAS.manifest);
  if (!manifest) throw new TransferError('the archive has no manifest.json: not a skydag archive (skydag export writes one)');
  if (manifest.format !== ARCHIVE_FORMAT) throw new TransferError(`manifest.json: the format is '${String(manifest.format).slice(0, 50)}', not '${ARCHIVE_FORMAT}'`);
  if (manifest.version !== ARCHIVE_VERSION) throw new TransferError(`manifest.json: archive format version ${manifest.version} is unknown to this skydag (it reads version ${ARCHIVE_VERSION})`);
  let sealer: SecretCipher | undefined;
  const report: ImportReport = { dry_run: true, applied: false, secrets: manifest.secrets === 'sealed' ? 'sealed' : 'omitted', changes: Object.fromEntries(KINDS.map((k) => [k, changes()])) as Record<Kind, KindChanges>, notes: [] };
  if (manifest.secrets === 'sealed') {
    if (passphrase === undefined) throw new TransferError("the archive's secrets are sealed with a passphrase: give the passphrase it was exported with");
    sealer = await sealingForImport(passphrase, manifest.kdf, manifest.check);
  } else if (manifest.secrets !== 'omitted') throw new TransferError("manifest.json: secrets must be 'sealed' or 'omitted'");
  else report.notes.push('the archive carries no secrets: variables and connections keep the values they have here, new ones come without');

  const plan: Plan = { report, writes: [] };
  await planConfigGroups(deps, parts.configs, sealer, plan);
  await planArtifacts(deps, parts.artifacts, plan);
  await planVariables(deps, document<VariableDoc>(parts.single.get('variables.json'), 'variables.json', SCHEMAS.variables) ?? [], sealer, plan);
  await planConnections(deps, document<ConnectionDoc>(parts.single.get('connections.json'), 'connections.json', SCHEMAS.connections) ?? [], sealer, plan);
  await planAccounts(
    deps,
    document(parts.single.get('pools.json'), 'pools.json', SCHEMAS.pools) ?? [],
    document(parts.single.get('roles.json'), 'roles.json', SCHEMAS.roles) ?? [],
    document(parts.single.get('users.json'), 'users.json', SCHEMAS.users) ?? [],
    plan,
  );
  // DAG files last: their DAGs may name the pools, variables and config groups written above.
  await planDagFiles(deps, parts.dagFiles, document(parts.single.get('dags/dags.json'), 'dags/dags.json', SCHEMAS.dags), plan);
  for (const entry of parts.versions) document(entry, entry.path, { type: 'array', items: { type: 'object', properties: { version: { type: 'string' }, source: nullableString }, required: ['version'] } });
  if (parts.versions.length) plan.report.notes.push('earlier DAG versions stay in the archive for reference; this platform records new versions as it reads the files');
  return plan;
}

/**
 * A dry run (what would change) or the import itself, whole or not at all: a refusal is a
 * TransferError before anything is written; a failure while writing undoes what was written and
 * is rethrown.
 */
export async function importPlatform(deps: TransferDeps, archive: Buffer, options: ImportOptions): Promise<ImportReport> {
  const plan = await planImport(deps, archive, options.passphrase);
  if (options.dryRun) return plan.report;
  const undo: (() => Promise<void>)[] = [];
  try {
    for (const write of plan.writes) undo.push(await write());
  } catch (error) {
    const failures: unknown[] = [];
    for (const step of undo.reverse()) await step().catch((e: unknown) => failures.push(e));
    if (failures.length) throw new Error(`the import failed while writing (${(error as Error).message}) and ${failures.length} of its writes could not be undone: ${String(failures[0])}`, { cause: error });
    throw error;
  }
  return { ...plan.report, dry_run: false, applied: true };
}
