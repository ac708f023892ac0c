/**
 * Database EDA sources in AWS: the Spark profiler reads the table over JDBC. The connection's secret
 * never enters the generated DAG, a run's conf, a Step Functions payload or a job's arguments: when a
 * run is requested the API writes a short-lived, encrypted credentials object
 * (`eda/credentials/<dag_id>/<ts_nodash>.json`, SSE-KMS with the deployment's key) that only the
 * Spark job roles may read and delete; the DAG passes its s3:// path, which the profiler reads once
 * and deletes before it connects. A bucket lifecycle rule removes what a run never read (1 day).
 */
import type { Connection } from '../runtime/executors/types.js';
import { RepositoryInputError } from '../repository/names.js';
import type { StoredConfigGroup } from '../spark/config-groups.js';
import type { BlobStore } from '../stores/blob.js';

export const CREDENTIALS_PREFIX = 'eda/credentials/';

/** What the profiler reads (the object's whole content). */
export interface JdbcCredentials {
  url: string;
  driver: string;
  user: string | null;
  password: string | null;
}

/** The connection types a Spark job can reach, with their JDBC driver and how a group names it. */
const DIALECTS: Record<string, { label: string; driver: string; port: number; jar: RegExp; packages: RegExp; example: string }> = {
  postgres: {
    label: 'PostgreSQL',
    driver: 'org.postgresql.Driver',
    port: 5432,
    jar: /(^|\/)postgresql-[^/]*\.jar$/i,
    packages: /(^|,)\s*org\.postgresql:postgresql:/,
    example: 'postgresql-42.7.4.jar (Spark dependency, in the jars argument) or org.postgresql:postgresql:42.7.4 (packages)',
  },
};

const dialectOf = (connType: string) => DIALECTS[connType === 'postgresql' ? 'postgres' : connType];

/** The credentials object of a run: one per profiling DAG and logical date (what `{{ ts_nodash }}` renders). */
export const credentialsKey = (dagId: string, tsNodash: string): string => `${CREDENTIALS_PREFIX}${dagId}/${tsNodash}.json`;

/** Why a Spark job cannot read this connection type, or undefined when it can. */
export function jdbcRefusal(connId: string, connType: string): string | undefined {
  if (dialectOf(connType)) return undefined;
  if (connType === 'sqlite') {
    return `connection '${connId}' is a sqlite file on the machine that runs skydag, which a Spark job cannot reach: export the table to CSV (a dataset or a file in the bucket) and profile that, or use a postgres connection`;
  }
  return `connection '${connId}' is of type ${JSON.stringify(connType)}: EDA in AWS reads postgres connections over JDBC`;
}

/**
 * The URL, driver and login of a connection (postgres: `jdbc:postgresql://host:port/db`, the
 * connection's schema being the database as in Airflow's postgres hook; extra `sslmode` passes on).
 * The session is read-only (`readOnlyMode=always`), as locally.
 */
export function jdbcCredentials(connection: Connection): JdbcCredentials {
  const refusal = jdbcRefusal(connection.conn_id, connection.conn_type);
  if (refusal) throw new RepositoryInputError(refusal);
  const dialect = dialectOf(connection.conn_type)!;
  const host = connection.host ?? '';
  // A host name or an IP address; anything else would change the URL's meaning (a path, a user, parameters).
  const hostPart = /^[A-Za-z0-9._-]+$/.test(host) ? host : /^\[?([0-9A-Fa-f:.]+)\]?$/.test(host) ? `[${host.replace(/^\[|\]$/g, '')}]` : undefined;
  if (!hostPart) throw new RepositoryInputError(`connection '${connection.conn_id}' needs a host name or address for JDBC (got ${JSON.stringify(host.slice(0, 100))})`);
  const port = connection.port ?? dialect.port;
  const params = new URLSearchParams({ readOnly: 'true', readOnlyMode: 'always' });
  const sslmode = connection.extra.sslmode;
  if (typeof sslmode === 'string' && sslmode) params.set('sslmode', sslmode);
  return {
    url: `jdbc:postgresql://${hostPart}:${port}/${encodeURIComponent(connection.schema ?? '')}?${params.toString()}`,
    driver: dialect.driver,
    user: connection.login,
    password: connection.password,
  };
}

/**
 * Where the group puts the connection type's JDBC driver on the job's classpath: a `jars` item (an
 * uploaded Spark dependency or a URI), or its Maven coordinates in `packages` (or the same as
 * `spark.jars` / `spark.jars.packages` Configurations). Undefined: it does not, and the message says what to do.
 */
export function jdbcDriverProblem(group: Pick<StoredConfigGroup, 'name' | 'arguments' | 'configurations'>, connType: string): string | undefined {
  const dialect = dialectOf(connType);
  if (!dialect) return undefined;
  const jars = [group.arguments.jars, group.configurations['spark.jars']].flatMap((v) => (v ?? '').split(',')).map((s) => s.trim());
  const packages = [group.arguments.packages, group.configurations['spark.jars.packages']].filter((v): v is string => !!v);
  if (jars.some((j) => dialect.jar.test(j)) || packages.some((p) => dialect.packages.test(p))) return undefined;
  return `config group '${group.name}' has no ${dialect.label} JDBC driver for the Spark job: add ${dialect.example} to the group`;
}

/** A jars item of the group that names the driver as an uploaded Spark dependency (checked to exist before a run). */
export function driverDependency(group: Pick<StoredConfigGroup, 'arguments'>, connType: string): string | undefined {
  const dialect = dialectOf(connType);
  return (group.arguments.jars ?? '').split(',').map((s) => s.trim()).find((j) => j && !/[/:]/.test(j) && dialect?.jar.test(j));
}

/**
 * Text that Jinja renders back to itself: the Spark task's arguments are templates, so every `{`
 * that would open a tag (`{{`, `{%`, `{#`) is written as the expression `{{ '{' }}`.
 */
export const jinjaLiteral = (text: string): string => text.replace(/\{(?=[{%#])/g, "{{ '{' }}");

/** A table for Spark's `dbtable` option: each part a double-quoted identifier, as the local profiler quotes it. */
export const jdbcTable = (table: string): string => table.split('.').map((part) => `"${part.replace(/"/g, '""')}"`).join('.');

/** Where the credentials objects go: written once per run, deleted when the run could not start (AWS: shared/aws/eda-credentials.ts). */
export interface CredentialsDrop {
  put(key: string, body: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A blob store as the drop (tests, and a platform whose Spark reads the same files). */
export function blobCredentialsDrop(blobs: BlobStore): CredentialsDrop {
  return { put: (key, body) => blobs.put(key, body, { contentType: 'application/json' }), delete: (key) => blobs.delete(key) };
}
