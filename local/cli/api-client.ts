/**
 * Where the Airflow-style CLI commands (`dags trigger`, `variables set`, ...) send their requests: the
 * REST API, always, so the CLI and HTTP clients get the same validation, permissions, audit and shapes.
 *
 * - local (default): the API in-process over the store of $SKYDAG_HOME (opened here, or reached
 *   through the running `skydag dev`), acting as a local administrator — as Airflow's CLI writes to its
 *   database directly. When this process opened the store, the DAGs folder is synced into it first, so
 *   `dags trigger` knows the folder's DAGs; a triggered run waits `queued` until a scheduler (the
 *   running `skydag dev`, or the next one) starts it, as `airflow dags trigger` does.
 * - remote (`--api URL` or $SKYDAG_API_URL): plain HTTPS to a deployed API with the bearer token saved
 *   by `skydag login`.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../shared/api/auth/users.js';
import type { ApiRequest } from '../../shared/api/http.js';
import { skydagVersion } from './dev.js';
import { readCredentials } from './credentials.js';
import { UsageError } from './io.js';
import { existsSync } from 'node:fs';

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface ApiCall {
  query?: Query;
  /** A JSON body. */
  body?: unknown;
  /** A body that is not JSON (an archive, an upload chunk), sent as is with its content type. */
  raw?: { data: Buffer; contentType: string };
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Answer the body as bytes (downloads, reports), whatever its type. */
  binary?: boolean;
}

/** Answers that are files (or asked for as bytes) come back as bytes; JSON parsed; anything else as text. Errors are always read as problems. */
function answerBody(contentType: string, data: Buffer, status: number, binary = false): unknown {
  if (status < 400 && (binary || /^application\/(gzip|octet-stream)/.test(contentType))) return data;
  const text = data.toString('utf8');
  return /json/.test(contentType) && text !== '' ? (JSON.parse(text) as unknown) : text;
}

function requestBody(call: ApiCall): { contentType?: string; data?: Buffer } {
  if (call.raw) return { contentType: call.raw.contentType, data: call.raw.data };
  return call.body === undefined ? {} : { contentType: 'application/json', data: Buffer.from(JSON.stringify(call.body)) };
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export interface ApiClient {
  /** Where requests go, for messages ("local store in ./.skydag", "https://…"). */
  readonly target: string;
  send(method: string, path: string, call?: ApiCall): Promise<ApiAnswer>;
  close(): Promise<void>;
}

/** An API answer of 4xx/5xx, carrying the problem's detail and the CLI's exit code for it. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The answer's body when it succeeded; otherwise an ApiCallError with the problem's detail. */
export async function request<T>(client: ApiClient, method: string, path: string, call: ApiCall = {}): Promise<T> {
  const answer = await client.send(method, path, call);
  if (answer.status < 400) return answer.body as T;
  const problem = (answer.body ?? {}) as { title?: string; detail?: string };
  throw new ApiCallError(answer.status, problem.detail ?? problem.title ?? `HTTP ${answer.status}`);
}

/** Path segments are percent-encoded (ids may hold `/`, `~` is Airflow's wildcard and stays as is). */
export const segment = (value: string): string => encodeURIComponent(value);

function queryString(query: Query | undefined): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, String(v));
  }
  return params;
}

/** The in-process caller: a local administrator named after the OS user (what the audit log shows). */
async function localOperator(): Promise<Principal> {
  const { grantsOf } = await import('../../shared/api/auth/permissions.js');
  const grants = grantsOf(['Admin'], []);
  let who = 'unknown';
  try {
    who = userInfo().username;
  } catch {
    // no passwd entry (containers): keep 'unknown'
  }
  return { username: `cli:${who}`, roles: ['Admin'], permissions: grants.permissions, dagGrants: grants.dags, via: 'local' };
}

export interface LocalClientOptions {
  home: string;
  dagsFolder: string;
  /** Where warnings go (the command's stderr). */
  warn?: (line: string) => void;
}

const pausedAtCreation = () => !['false', '0', 'no'].includes((process.env.SKYDAG_PAUSED_AT_CREATION ?? 'true').toLowerCase());

export async function openLocalClient(options: LocalClientOptions): Promise<ApiClient> {
  // Loaded here, not at start-up: the API, the store and the DAG loader weigh most of the CLI's start time.
  const [{ createApi }, { createStoreRunLauncher }, { sharedDagFileLoader }, { FileTaskLogs, FileDagProcessorLogs }, { loadLocalSecrets }, { syncDagFile, syncDagsFolder }, { FsBlobStore }, { openLocalStore }, { folderDagFiles }, { openLocalSparkStores }, { openLocalRepository }, { EdaSources }, { storeConnections, storeVariables }, { BundleCache, blobBundleLoader }, { bundleCacheFolder }, { versionSourceLocation }, { cachedCustomTimetables }, { createCustomTimetables }, { createPythonCallables }] = await Promise.all([
    import('../../shared/api/api.js'),
    import('../../shared/api/ports.js'),
    import('../../shared/frontends/bounded.js'),
    import('../engine/file-logs.js'),
    import('../http/secret-key.js'),
    import('../platform/dag-sync.js'),
    import('../stores/fs-blob-store.js'),
    import('../stores/embedded-dynamodb.js'),
    import('../platform/folder-dag-files.js'),
    import('../stores/spark-stores.js'),
    import('../stores/repository.js'),
    import('../../shared/eda/sources.js'),
    import('../../shared/api/secrets/records.js'),
    import('../../shared/bundles/bundle-cache.js'),
    import('../engine/bundle-folder.js'),
    import('../platform/store-dag-source.js'),
    import('../../shared/scheduling/custom-timetable.js'),
    import('../../shared/runtime/handlers/custom-timetables.js'),
    import('../../shared/runtime/executors/python.js'),
  ]);
  const { platformRunController } = await import('../platform/run-control.js');
  const local = await openLocalStore(options.home);
  try {
    const { store } = local;
    const bundles = new FsBlobStore(join(options.home, 'blobs'));
    const { cipher, jwtSecret } = loadLocalSecrets(options.home);
    // The DAG files' parse-time Variable.get reads the platform's variables, as its own syncs do.
    const variables = storeVariables(store, cipher);
    // Custom timetables run in the Python runner, as the platform's do: a manual run's data interval
    // (dags trigger) and backfill plans; their output goes to the DAG processor log.
    const bundleCache = new BundleCache(bundleCacheFolder(options.home), blobBundleLoader(bundles));
    const timetables = cachedCustomTimetables(
      createCustomTimetables(
        {
          dags: { sourceLocation: async (dag, version) => versionSourceLocation(dag, version ? (await store.getDagVersion(dag.dag_id, version))?.bundle : undefined, options.dagsFolder, bundleCache) },
          python: createPythonCallables({}),
          variables,
          connections: storeConnections(store, cipher),
        },
        new FileDagProcessorLogs(join(options.home, 'logs', 'scheduler')),
      ),
    );
    const parseVariables = (key: string) => variables.get(key);
    // A running platform keeps the folder synced itself; opened here, the store learns the folder's DAGs first.
    if (local.via === 'opened' && existsSync(options.dagsFolder)) {
      await syncDagsFolder(store, options.dagsFolder, {
        now: new Date(),
        pausedAtCreation: pausedAtCreation(),
        loader: sharedDagFileLoader(),
        bundles,
        variables: parseVariables,
      });
    }
    const blobs = new FsBlobStore(join(options.home, 'blobs'));
    const repository = openLocalRepository(options.home, store, blobs);
    const api = createApi({
      store,
      logs: new FileTaskLogs(join(options.home, 'logs')),
      // Runs are created queued; the platform's scheduler starts them (now if it runs, else on its next start).
      launcher: createStoreRunLauncher(store, async () => undefined, undefined, cipher, timetables),
      timetables,
      // A running platform holds the executions in flight: it is told of stops, clears and hand-set states.
      // Opened here, no execution is in flight: queued runs start with the next scheduler.
      controller:
        local.via === 'platform'
          ? platformRunController(options.home, options.warn ?? ((line) => process.stderr.write(`${line}\n`)))
          : { restart: async () => undefined, stop: async () => undefined, tasksChanged: async () => undefined },
      // An archive import writes DAG files into the folder and syncs them into the store at once.
      dagFiles: folderDagFiles(options.dagsFolder, async (file) => void (await syncDagFile(store, options.dagsFolder, join(options.dagsFolder, file), { now: new Date(), pausedAtCreation: pausedAtCreation(), loader: sharedDagFileLoader(), bundles, variables: parseVariables }))),
      spark: openLocalSparkStores(options.home, cipher),
      cipher,
      jwtSecret,
      version: skydagVersion(),
      repository,
      eda: new EdaSources({ blobs, repository, locate: (key) => blobs.pathOf(key), connections: (connId) => store.getConnection(connId) }),
    });
    const principal = await localOperator();
    return {
      target: `the local store in ${options.home}`,
      async send(method, path, call = {}) {
        const params = queryString(call.query);
        const query: Record<string, string[]> = {};
        for (const [name, value] of params) (query[name] ??= []).push(value);
        const body = requestBody(call);
        const req: ApiRequest = {
          method,
          rawPath: path,
          query,
          headers: { ...(call.headers ?? {}), ...(body.contentType ? { 'content-type': body.contentType } : {}) },
          cookies: [],
          body: body.data,
          sourceIp: null,
          userAgent: `skydag-cli/${skydagVersion()}`,
          requestId: randomUUID(),
        };
        const response = await api.handleAs(principal, req);
        const data = response.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(response.body) ? response.body : Buffer.from(response.body);
        return { status: response.status, body: answerBody(response.headers['content-type'] ?? '', data, response.status, call.binary) };
      },
      close: () => local.close(),
    };
  } catch (error) {
    await local.close();
    throw error;
  }
}

/** A deployed (or remote local) API; the token comes from `skydag login` for that URL. */
export async function openRemoteClient(apiUrl: string, fetchImpl: typeof fetch = fetch): Promise<ApiClient> {
  const base = normaliseApiUrl(apiUrl);
  const saved = (await readCredentials())[base];
  if (!saved) throw new UsageError(`not signed in to ${base}: run skydag login --api ${base} --username <name> first`);
  return {
    target: base,
    async send(method, path, call = {}) {
      const params = queryString(call.query).toString();
      const body = requestBody(call);
      const response = await fetchImpl(`${base}${path}${params ? `?${params}` : ''}`, {
        method,
        headers: { authorization: `Bearer ${saved.token}`, accept: 'application/json', ...(call.headers ?? {}), ...(body.contentType ? { 'content-type': body.contentType } : {}) },
        ...(call.raw ? { body: new Uint8Array(call.raw.data) } : call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      });
      const data = Buffer.from(await response.arrayBuffer());
      if (response.status === 401) throw new ApiCallError(401, `${base} refused the saved token (expired or revoked): run skydag login --api ${base} again`);
      return { status: response.status, body: answerBody(response.headers.get('content-type') ?? '', data, response.status, call.binary) };
    },
    close: async () => undefined,
  };
}

/** The API's origin as given (`https://x.example.com`, no trailing slash, no /api/v1). */
export function normaliseApiUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--api must be a URL such as https://skydag.example.com, not '${url}'`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new UsageError(`--api must be an http(s) URL, not '${url}'`);
  if (parsed.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname)) {
    throw new UsageError(`--api ${url}: use https (a token must not travel in clear), or http only to this machine`);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}`;
}
