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
import { USERNAME_PATTERN } from '../api/auth/users.js';
import { ApiError } from '../api/problem.js';
import type { SecretCipher } from '../api/secrets/cipher.js';
import { validateBody, type JsonSchema } from '../api/validation.js';
import { ArchiveError, readTarGz, type TarEntry } from '../util/tar.js';
import { ARCHIVE_FORMAT, ARCHIVE_VERSION, MAX_ARCHIVE_ENTRIES, MAX_ARCHIVE_UNPACKED_BYTES, TransferError, type Manifest, type TransferDeps } from './layout.js';
import { planArtifacts, planConfigGroups, planDagFiles } from './plan-files.js';
import { planDagVersions, VERSIONS_SCHEMA, type VersionDoc } from './plan-versions.js';
import { planAccounts, planConnections, planVariables, type ConnectionDoc, type VariableDoc } from './plan-settings.js';
import { emptyReport, type ImportReport, type Plan } from './plan.js';
import { sealingForImport } from './sealing.js';

export type { ImportReport, KindChanges } from './plan.js';

export interface ImportOptions {
  dryRun: boolean;
  /** Opens the archive's sealed secrets; required when it has some. */
  passphrase?: string;
}

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
  const report = emptyReport(manifest.secrets === 'sealed' ? 'sealed' : 'omitted');
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
  // DAG files last: their DAGs may name the pools, variables and config groups written above; their
  // versions just before them, so that reading a file finds its version already recorded as it was.
  const dagsDoc = document<{ dag_id: string; fileloc: string; is_paused: boolean }[]>(parts.single.get('dags/dags.json'), 'dags/dags.json', SCHEMAS.dags);
  const histories = new Map(parts.versions.map((entry) => [entry.path.slice('dags/versions/'.length, -'.json'.length), document<VersionDoc[]>(entry, entry.path, VERSIONS_SCHEMA)!]));
  await planDagVersions(deps, histories, new Set((dagsDoc ?? []).map((d) => d.dag_id)), plan);
  await planDagFiles(deps, parts.dagFiles, dagsDoc, plan);
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
