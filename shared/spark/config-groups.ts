/**
 * Spark/Hadoop config groups (Couture's "Spark Hadoop Config Groups", couture-reference §2.2–2.6):
 * named groups, one of them the default, each holding where Spark runs (the engine), the Spark
 * *Arguments* (spark-submit flags) and *Configurations* (`--conf` pairs), Hadoop client properties per
 * `*-site.xml` file, Kerberos (principal and keytab) and Livy credentials.
 *
 * Groups are JSON documents in the blob store (S3 in the cloud, `$SKYDAG_HOME/blobs` locally), so the
 * API, the CLI and the runtime read the same thing in both modes and the CLI works whether or not the
 * platform is running. The keytab and the Livy password are sealed with the platform's SecretCipher,
 * bound to the group, and never leave through {@link publicView}. Changes apply to tasks submitted
 * afterwards (each submission reads the group), as in Couture.
 */
import { createHash } from 'node:crypto';
import type { SecretCipher } from '../api/secrets/cipher.js';
import type { BlobStore } from '../stores/blob.js';
import { type HadoopProperty } from './hadoop-xml.js';
import { checkGroupName, checkHadoopFileName, SparkInputError } from './names.js';

export type SparkEngine =
  | { type: 'local' }
  | { type: 'emr'; cluster_id: string }
  | { type: 'emr_serverless'; application_id: string; execution_role_arn: string; log_uri?: string }
  | { type: 'livy'; url: string; auth: 'none' | 'basic'; username?: string; proxy_user?: string; poll_interval_seconds?: number; artifact_uri?: string };

/** What a user writes (API body, CLI import); secrets travel separately. */
export interface ConfigGroupInput {
  name: string;
  description?: string;
  engine: SparkEngine;
  /** spark-submit flags without the dashes (`master`, `deploy-mode`, `executor-memory`, ...), in order. */
  arguments?: Record<string, string>;
  /** `--conf` pairs, in order. */
  configurations?: Record<string, string>;
  /** Hadoop client properties per file (`core-site.xml` → properties); applied as `spark.hadoop.*`. */
  hadoop?: Record<string, HadoopProperty[]>;
  kerberos?: { principal?: string | null; /** Where the keytab is on the cluster (remote engines); locally the uploaded keytab is used. */ keytab_path?: string | null };
}

export interface StoredConfigGroup extends Required<Omit<ConfigGroupInput, 'kerberos' | 'description'>> {
  description: string;
  kerberos: { principal: string | null; keytab_path: string | null };
  /** Sealed with the cipher (context `spark-group:<name>:<what>`). */
  secrets: { keytab?: string; livy_password?: string };
  updated_at: string;
}

/** Which group a try used: its name and {@link configGroupVersion} (recorded on the task instance). */
export interface ConfigGroupUse {
  name: string;
  version: string;
}

/** A group as the API and CLI show it: secrets replaced by whether they are set. */
export type PublicConfigGroup = Omit<StoredConfigGroup, 'secrets'> & { is_default: boolean; keytab_set: boolean; livy_password_set: boolean; /** {@link configGroupVersion}: what a task instance's config_group names. */ version: string };

/** spark-submit flags a group may set (Couture's *Arguments*); `class`, `name` and `conf` come from the task and *Configurations*. */
export const SPARK_ARGUMENTS = [
  'master', 'deploy-mode', 'jars', 'py-files', 'files', 'archives', 'packages', 'exclude-packages', 'repositories',
  'principal', 'keytab', 'proxy-user', 'queue', 'driver-memory', 'driver-cores', 'driver-java-options', 'driver-library-path',
  'driver-class-path', 'executor-memory', 'executor-cores', 'num-executors', 'total-executor-cores',
] as const;
export type SparkArgument = (typeof SPARK_ARGUMENTS)[number];

export const MAX_KEYTAB_BYTES = 64 * 1024;
const MAX_VALUE = 4096;
const CONF_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.\-[\]]{0,199}$/;
const PREFIX = 'spark/config-groups/';
const DEFAULT_KEY = 'spark/default-config-group.json';

/** The group used when none exists yet: spark-submit on this machine, nothing else set. */
export const BUILTIN_LOCAL_GROUP = 'local';

function checkText(what: string, value: unknown, max = MAX_VALUE): string {
  if (typeof value !== 'string') throw new SparkInputError(`${what} must be a string`);
  if (value.length > max) throw new SparkInputError(`${what} is longer than ${max} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new SparkInputError(`${what} must not contain control characters or line breaks`);
  return value;
}

function checkPairs(what: string, raw: unknown, keyOk: (key: string) => string | undefined): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new SparkInputError(`${what} must be an object of name → value`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const problem = keyOk(key);
    if (problem) throw new SparkInputError(`${what}: '${key.slice(0, 80)}' ${problem}`);
    out[key] = checkText(`${what} '${key}'`, value);
  }
  return out;
}

function checkUrl(what: string, value: unknown, schemes: readonly string[]): string {
  const text = checkText(what, value);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SparkInputError(`${what} is not a URL: ${text.slice(0, 80)}`);
  }
  if (!schemes.includes(url.protocol)) throw new SparkInputError(`${what} must use ${schemes.join(' or ')}`);
  if (url.username || url.password) throw new SparkInputError(`${what} must not carry credentials; set the Livy username and password instead`);
  return text;
}

function checkEngine(raw: unknown): SparkEngine {
  if (typeof raw !== 'object' || raw === null) throw new SparkInputError("engine is required: {type: 'local' | 'emr' | 'emr_serverless' | 'livy', ...}");
  const e = raw as Record<string, unknown>;
  const only = (allowed: string[]) => {
    const extra = Object.keys(e).filter((k) => k !== 'type' && !allowed.includes(k));
    if (extra.length) throw new SparkInputError(`engine '${String(e.type)}' does not take ${extra.join(', ')}`);
  };
  switch (e.type) {
    case 'local':
      only([]);
      return { type: 'local' };
    case 'emr':
      only(['cluster_id']);
      if (typeof e.cluster_id !== 'string' || !/^j-[A-Z0-9]{1,64}$/.test(e.cluster_id)) throw new SparkInputError("engine 'emr' needs cluster_id, an EMR cluster id such as j-2AXXXXXXGAPLF");
      return { type: 'emr', cluster_id: e.cluster_id };
    case 'emr_serverless': {
      only(['application_id', 'execution_role_arn', 'log_uri']);
      if (typeof e.application_id !== 'string' || !/^[0-9a-z]{1,64}$/.test(e.application_id)) throw new SparkInputError("engine 'emr_serverless' needs application_id (e.g. 00f1abcdefgh1234)");
      if (typeof e.execution_role_arn !== 'string' || !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(e.execution_role_arn)) {
        throw new SparkInputError("engine 'emr_serverless' needs execution_role_arn, an IAM role ARN");
      }
      const engine: SparkEngine = { type: 'emr_serverless', application_id: e.application_id, execution_role_arn: e.execution_role_arn };
      if (e.log_uri !== undefined && e.log_uri !== null) engine.log_uri = checkUrl('engine.log_uri', e.log_uri, ['s3:']);
      return engine;
    }
    case 'livy': {
      only(['url', 'auth', 'username', 'proxy_user', 'poll_interval_seconds', 'artifact_uri']);
      const engine: SparkEngine = { type: 'livy', url: checkUrl('engine.url', e.url, ['http:', 'https:']).replace(/\/+$/, ''), auth: 'none' };
      if (e.auth !== undefined && e.auth !== 'none' && e.auth !== 'basic') throw new SparkInputError("engine.auth must be 'none' or 'basic'");
      if (e.auth === 'basic') engine.auth = 'basic';
      if (e.username !== undefined && e.username !== null) engine.username = checkText('engine.username', e.username, 256);
      if (engine.auth === 'basic' && !engine.username) throw new SparkInputError("engine.auth 'basic' needs engine.username");
      if (e.proxy_user !== undefined && e.proxy_user !== null) engine.proxy_user = checkText('engine.proxy_user', e.proxy_user, 256);
      if (e.poll_interval_seconds !== undefined) {
        if (typeof e.poll_interval_seconds !== 'number' || !(e.poll_interval_seconds >= 1 && e.poll_interval_seconds <= 600)) throw new SparkInputError('engine.poll_interval_seconds must be between 1 and 600');
        engine.poll_interval_seconds = e.poll_interval_seconds;
      }
      if (e.artifact_uri !== undefined && e.artifact_uri !== null) engine.artifact_uri = checkText('engine.artifact_uri', e.artifact_uri).replace(/\/*$/, '/');
      return engine;
    }
    default:
      throw new SparkInputError(`unknown engine type ${JSON.stringify(e.type)}: use local, emr, emr_serverless or livy`);
  }
}

/** Checks everything a user wrote; the stored group keeps the secrets it already had. */
export function checkGroupInput(raw: unknown): Required<Omit<ConfigGroupInput, 'kerberos'>> & { kerberos: StoredConfigGroup['kerberos'] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SparkInputError('a config group must be an object');
  const g = raw as Record<string, unknown>;
  const known = ['name', 'description', 'engine', 'arguments', 'configurations', 'hadoop', 'kerberos'];
  const extra = Object.keys(g).filter((k) => !known.includes(k));
  if (extra.length) throw new SparkInputError(`unknown config group field(s): ${extra.join(', ')}`);
  const args = checkPairs('arguments', g.arguments, (key) =>
    (SPARK_ARGUMENTS as readonly string[]).includes(key) ? undefined : `is not a spark-submit argument a group may set (${SPARK_ARGUMENTS.join(', ')}); put --conf pairs under configurations`,
  );
  const confs = checkPairs('configurations', g.configurations, (key) => (CONF_KEY.test(key) ? undefined : 'is not a Spark configuration key'));
  const hadoop: Record<string, HadoopProperty[]> = {};
  if (g.hadoop !== undefined && g.hadoop !== null) {
    if (typeof g.hadoop !== 'object' || Array.isArray(g.hadoop)) throw new SparkInputError('hadoop must be an object of file name → properties');
    for (const [file, props] of Object.entries(g.hadoop as Record<string, unknown>)) {
      checkHadoopFileName(file);
      if (!Array.isArray(props)) throw new SparkInputError(`hadoop '${file}' must be a list of {name, value}`);
      const seen = new Set<string>();
      hadoop[file] = props.map((p: unknown) => {
        const prop = p as Record<string, unknown>;
        const name = checkText(`hadoop '${file}' property name`, prop?.name, 512);
        if (!CONF_KEY.test(name)) throw new SparkInputError(`hadoop '${file}': '${name}' is not a Hadoop property name`);
        if (seen.has(name)) throw new SparkInputError(`hadoop '${file}': property '${name}' is defined twice`);
        seen.add(name);
        const out: HadoopProperty = { name, value: checkText(`hadoop '${file}' property '${name}'`, prop.value) };
        if (typeof prop.description === 'string' && prop.description) out.description = checkText('description', prop.description);
        if (prop.final === true) out.final = true;
        return out;
      });
    }
  }
  const kerberosRaw = (g.kerberos ?? {}) as Record<string, unknown>;
  const principal = kerberosRaw.principal === undefined || kerberosRaw.principal === null || kerberosRaw.principal === '' ? null : checkText('kerberos.principal', kerberosRaw.principal, 256);
  const keytabPath = kerberosRaw.keytab_path === undefined || kerberosRaw.keytab_path === null || kerberosRaw.keytab_path === '' ? null : checkText('kerberos.keytab_path', kerberosRaw.keytab_path, 1024);
  if (args.principal !== undefined || args.keytab !== undefined) throw new SparkInputError('set the principal and keytab under kerberos, not as arguments (the keytab is stored encrypted)');
  return {
    name: checkGroupName(g.name),
    description: g.description === undefined || g.description === null ? '' : checkText('description', g.description),
    engine: checkEngine(g.engine),
    arguments: args,
    configurations: confs,
    hadoop,
    kerberos: { principal, keytab_path: keytabPath },
  };
}

export function publicView(group: StoredConfigGroup, defaultName: string | null): PublicConfigGroup {
  const { secrets, ...rest } = group;
  return { ...rest, is_default: group.name === defaultName, keytab_set: secrets.keytab !== undefined, livy_password_set: secrets.livy_password !== undefined, version: configGroupVersion(group) };
}

/**
 * The group's content version: a short SHA-256 of everything that shapes a submission (engine,
 * arguments, configurations, Hadoop properties, Kerberos, the sealed secrets as stored — a new keytab
 * or password is a new version, and the hash of ciphertext reveals nothing), keys in a fixed order.
 * `updated_at` is left out so saving a group unchanged keeps its version.
 */
export function configGroupVersion(group: StoredConfigGroup): string {
  const { updated_at: _at, ...content } = group;
  return createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 12);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export class ConfigGroupNotFoundError extends Error {
  override readonly name = 'ConfigGroupNotFoundError';
}

/** Secrets a write may change: undefined keeps the stored value, null removes it. */
export interface GroupSecretsChange {
  keytab?: Uint8Array | null;
  livyPassword?: string | null;
}

export interface ConfigGroupsSnapshot {
  groups: StoredConfigGroup[];
  defaultName: string | null;
}

export class ConfigGroupStore {
  constructor(
    private readonly blobs: BlobStore,
    private readonly cipher: SecretCipher,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private key(name: string): string {
    return `${PREFIX}${checkGroupName(name)}.json`;
  }

  async list(): Promise<StoredConfigGroup[]> {
    const listing = await this.blobs.list(PREFIX, { delimiter: '/' });
    const groups: StoredConfigGroup[] = [];
    for (const blob of listing.blobs) {
      const body = await this.blobs.get(blob.key);
      if (body) groups.push(JSON.parse(body.toString('utf8')) as StoredConfigGroup);
    }
    return groups.sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<StoredConfigGroup | undefined> {
    const body = await this.blobs.get(this.key(name));
    return body ? (JSON.parse(body.toString('utf8')) as StoredConfigGroup) : undefined;
  }

  async require(name: string): Promise<StoredConfigGroup> {
    const group = await this.get(name);
    if (!group) throw new ConfigGroupNotFoundError(`config group '${name}' does not exist`);
    return group;
  }

  async defaultName(): Promise<string | null> {
    const body = await this.blobs.get(DEFAULT_KEY);
    return body ? ((JSON.parse(body.toString('utf8')) as { name: string }).name ?? null) : null;
  }

  /**
   * Creates or replaces a group from what the user wrote (checked first: bad input changes nothing).
   * The first group becomes the default.
   */
  async put(raw: unknown, secrets: GroupSecretsChange = {}): Promise<StoredConfigGroup> {
    const input = checkGroupInput(raw);
    if (secrets.keytab && secrets.keytab.length > MAX_KEYTAB_BYTES) throw new SparkInputError(`the keytab is larger than ${MAX_KEYTAB_BYTES / 1024} KiB`);
    if (typeof secrets.livyPassword === 'string') checkText('Livy password', secrets.livyPassword, 1024);
    const existing = await this.get(input.name);
    const sealed = { ...(existing?.secrets ?? {}) };
    // The same secret again keeps its sealed form, so the group's version (configGroupVersion) stays.
    const seal = (current: string | undefined, plain: string, context: string) => (current !== undefined && this.cipher.decrypt(current, context) === plain ? current : this.cipher.encrypt(plain, context));
    if (secrets.keytab === null) delete sealed.keytab;
    else if (secrets.keytab) sealed.keytab = seal(sealed.keytab, Buffer.from(secrets.keytab).toString('base64'), `spark-group:${input.name}:keytab`);
    if (secrets.livyPassword === null) delete sealed.livy_password;
    else if (typeof secrets.livyPassword === 'string') sealed.livy_password = seal(sealed.livy_password, secrets.livyPassword, `spark-group:${input.name}:livy`);
    const group: StoredConfigGroup = { ...input, secrets: sealed, updated_at: this.clock().toISOString() };
    await this.blobs.put(this.key(input.name), JSON.stringify(group, null, 2), { contentType: 'application/json' });
    if ((await this.defaultName()) === null) await this.setDefault(input.name);
    return group;
  }

  /** Every group as stored (secrets sealed) and the default: what {@link restore} puts back. */
  async snapshot(): Promise<ConfigGroupsSnapshot> {
    return { groups: await this.list(), defaultName: await this.defaultName() };
  }

  /** Puts the groups back exactly as a snapshot holds them (groups made since are removed): an import's undo. */
  async restore(snapshot: ConfigGroupsSnapshot): Promise<void> {
    const keep = new Set(snapshot.groups.map((g) => g.name));
    for (const group of await this.list()) if (!keep.has(group.name)) await this.blobs.delete(this.key(group.name));
    for (const group of snapshot.groups) await this.blobs.put(this.key(group.name), JSON.stringify(group, null, 2), { contentType: 'application/json' });
    if (snapshot.defaultName === null) await this.blobs.delete(DEFAULT_KEY);
    else await this.blobs.put(DEFAULT_KEY, JSON.stringify({ name: snapshot.defaultName }), { contentType: 'application/json' });
  }

  /** Refused for the default group (choose another default first), as Couture does. */
  async delete(name: string): Promise<void> {
    await this.require(name);
    if ((await this.defaultName()) === name) throw new SparkInputError(`config group '${name}' is the default; make another group the default first`);
    await this.blobs.delete(this.key(name));
  }

  async setDefault(name: string): Promise<void> {
    await this.require(name);
    await this.blobs.put(DEFAULT_KEY, JSON.stringify({ name }), { contentType: 'application/json' });
  }

  /**
   * The group a task uses: the one it (or its DAG) names, else the default; with no group at all,
   * spark-submit on this machine. A named group that does not exist is an error.
   */
  async resolve(name: string | undefined): Promise<StoredConfigGroup> {
    if (name) return this.require(name);
    const fallback = await this.defaultName();
    if (fallback) {
      const group = await this.get(fallback);
      if (group) return group;
    }
    return { name: BUILTIN_LOCAL_GROUP, description: 'built-in: spark-submit on this machine', engine: { type: 'local' }, arguments: {}, configurations: {}, hadoop: {}, kerberos: { principal: null, keytab_path: null }, secrets: {}, updated_at: new Date(0).toISOString() };
  }

  keytab(group: StoredConfigGroup): Buffer | undefined {
    return group.secrets.keytab ? Buffer.from(this.cipher.decrypt(group.secrets.keytab, `spark-group:${group.name}:keytab`), 'base64') : undefined;
  }

  livyPassword(group: StoredConfigGroup): string | undefined {
    return group.secrets.livy_password ? this.sealedLivyPassword(group.name, group.secrets.livy_password) : undefined;
  }

  /** Opens a Livy password sealed by group `name` (kept sealed with a handed-off batch, see LivyConnection). */
  sealedLivyPassword(name: string, sealed: string): string {
    return this.cipher.decrypt(sealed, `spark-group:${name}:livy`);
  }

  /** Replaces (bytes) or removes (null) the group's keytab; the rest of the group is kept. */
  async setKeytab(name: string, keytab: Uint8Array | null): Promise<StoredConfigGroup> {
    const { secrets: _secrets, updated_at: _at, ...editable } = await this.require(name);
    return this.put(editable, { keytab });
  }

  /** Sets (value) or removes (null) one property of one Hadoop file, creating the file if needed. */
  async setHadoopProperty(name: string, file: string, property: string, value: string | null): Promise<StoredConfigGroup> {
    const group = await this.require(name);
    checkHadoopFileName(file);
    const props = [...(group.hadoop[file] ?? [])];
    const at = props.findIndex((p) => p.name === property);
    if (value === null) {
      if (at < 0) throw new ConfigGroupNotFoundError(`${file} of config group '${name}' has no property '${property}'`);
      props.splice(at, 1);
    } else if (at < 0) props.push({ name: property, value });
    else props[at] = { ...props[at]!, value };
    return this.rewrite(group, { hadoop: { ...group.hadoop, [file]: props } });
  }

  async replaceHadoopFile(name: string, file: string, properties: HadoopProperty[] | null): Promise<StoredConfigGroup> {
    const group = await this.require(name);
    checkHadoopFileName(file);
    const hadoop = { ...group.hadoop };
    if (properties === null) {
      if (!hadoop[file]) throw new ConfigGroupNotFoundError(`config group '${name}' has no ${file}`);
      delete hadoop[file];
    } else hadoop[file] = properties;
    return this.rewrite(group, { hadoop });
  }

  /** Applies changes to a stored group through the same checks as a full write; secrets are kept. */
  private async rewrite(group: StoredConfigGroup, changes: Partial<ConfigGroupInput>): Promise<StoredConfigGroup> {
    const { secrets: _secrets, updated_at: _at, ...editable } = group;
    return this.put({ ...editable, ...changes });
  }
}
