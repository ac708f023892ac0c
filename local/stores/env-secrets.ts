/**
 * Variables and connections for local runs without a server (`dags test`, `tasks test`): an in-memory
 * map, falling back to Airflow's environment conventions — `AIRFLOW_VAR_<KEY>` and
 * `AIRFLOW_CONN_<CONN_ID>` (a connection URI whose query string holds the extras, or — Airflow 2.3+ —
 * the connection as JSON).
 */
import type { Connection } from '../../shared/runtime/executors/types.js';
import type { ConnectionStore, VariableStore } from '../../shared/runtime/handlers/deps.js';

export class EnvVariableStore implements VariableStore {
  private readonly values = new Map<string, string>();
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async get(key: string): Promise<string | undefined> {
    return this.values.get(key) ?? this.env[`AIRFLOW_VAR_${key.toUpperCase()}`];
  }

  async set(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }
}

/** Parses Airflow's connection URI form, e.g. `postgres://user:pass@host:5432/schema?sslmode=require`. */
export function connectionFromUri(connId: string, uri: string): Connection {
  const url = new URL(uri);
  const extra: Record<string, unknown> = {};
  const extraJson = url.searchParams.get('__extra__');
  if (extraJson) Object.assign(extra, JSON.parse(extraJson) as Record<string, unknown>);
  for (const [k, v] of url.searchParams) if (k !== '__extra__') extra[k] = v;
  const decode = (s: string) => (s ? decodeURIComponent(s) : null);
  return {
    conn_id: connId,
    conn_type: url.protocol.replace(/:$/, '').replaceAll('-', '_'),
    host: decode(url.hostname),
    schema: decode(url.pathname.replace(/^\//, '')),
    login: decode(url.username),
    password: decode(url.password),
    port: url.port ? Number(url.port) : null,
    extra,
  };
}

/**
 * Airflow 2.3's JSON form of AIRFLOW_CONN_*: `{"conn_type": ..., "login", "password", "host", "port",
 * "schema", "extra": {...} or a JSON string}`. A value not starting with `{` is a URI.
 */
export function connectionFromEnv(connId: string, value: string): Connection {
  if (!value.trimStart().startsWith('{')) return connectionFromUri(connId, value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new Error(`AIRFLOW_CONN_${connId.toUpperCase()} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`AIRFLOW_CONN_${connId.toUpperCase()} must be a JSON object`);
  const o = parsed as Record<string, unknown>;
  const text = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : o[k] === undefined || o[k] === null ? null : String(o[k]));
  const rawExtra = typeof o.extra === 'string' ? (JSON.parse(o.extra || '{}') as unknown) : (o.extra ?? {});
  const extra = typeof rawExtra === 'object' && rawExtra !== null && !Array.isArray(rawExtra) ? (rawExtra as Record<string, unknown>) : {};
  const port = o.port === undefined || o.port === null ? null : Number(o.port);
  return { conn_id: connId, conn_type: text('conn_type') ?? '', host: text('host'), schema: text('schema'), login: text('login'), password: text('password'), port: Number.isFinite(port) ? port : null, extra };
}

export class EnvConnectionStore implements ConnectionStore {
  private readonly connections = new Map<string, Connection>();
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  add(connection: Connection): void {
    this.connections.set(connection.conn_id, connection);
  }

  async get(connId: string): Promise<Connection | undefined> {
    const known = this.connections.get(connId);
    if (known) return known;
    const value = this.env[`AIRFLOW_CONN_${connId.toUpperCase()}`];
    return value ? connectionFromEnv(connId, value) : undefined;
  }
}

/**
 * Airflow's lookup order for a CLI run over the metadata database: the environment
 * (`AIRFLOW_VAR_*`, `AIRFLOW_CONN_*`) first, then the store. Writes go to the store.
 */
export function environmentThenStore(stores: { variables: VariableStore; connections: ConnectionStore }, env: NodeJS.ProcessEnv = process.env): { variables: VariableStore; connections: ConnectionStore } {
  // The environment's own lookup rules (names, URI parsing) are the env stores'; nothing is set in them.
  const fromEnv = { variables: new EnvVariableStore(env), connections: new EnvConnectionStore(env) };
  return {
    variables: {
      get: async (key) => (await fromEnv.variables.get(key)) ?? (await stores.variables.get(key)),
      set: (key, value) => stores.variables.set(key, value),
    },
    connections: {
      get: async (connId) => (await fromEnv.connections.get(connId)) ?? (await stores.connections.get(connId)),
    },
  };
}
