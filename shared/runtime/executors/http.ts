/**
 * SimpleHttpOperator / HttpOperator and HttpSensor (Airflow `airflow/providers/http`), on the
 * global `fetch`.
 *
 * The request is built as HttpHook builds it:
 * - base URL from the connection (`http_conn_id`, default `http_default`): a host containing `://`
 *   is used as is, else `<schema or http>://<host>`, then `:<port>`; the endpoint is appended with
 *   one `/` between them. No connection id (None) → the endpoint is the whole URL.
 * - the connection's login/password → HTTP basic auth; its other extras are default headers
 *   (except requests' session options: timeout, allow_redirects, proxies, stream, verify, cert,
 *   max_redirects), which the operator's `headers` override.
 * - `data`: GET → query parameters (a dict is url-encoded, lists repeat the key; a string is
 *   appended as is); HEAD → none; other methods → the body: a string as is, a dict form-encoded
 *   like `requests` does — or as JSON when the request's Content-Type says JSON.
 * - `extra_options`: `timeout` (seconds), `allow_redirects`, `check_response`.
 * - A status ≥ 400 fails with `<code>:<reason>` (requests' `raise_for_status`, as HttpHook's
 *   `check_response` does; 3xx responses are followed, not failures), unless `check_response` is
 *   False.
 *
 * The operator's XCom is the response text; `log_response` writes it to the log. HttpSensor pokes
 * until the request succeeds: a failure whose `<code>:<reason>` starts with one of
 * `response_error_codes_allowlist` (default `['404']`) means "not yet"; other failures fail the
 * task. Python callables (`response_check`, `response_filter`, `pagination_function`) cannot be
 * called here: TaskNotRunnableError with a hint. Headers, credentials and URL user-info are never
 * logged.
 */
import type { PyValue } from '../../model/schema.js';
import { type SensorLoopOptions, runSensor } from './sensors.js';
import {
  abortError,
  isCallableRef,
  isPlainDict,
  optionalBool,
  optionalDict,
  optionalString,
  pyScalarString,
  rejectCallable,
  withReturnValue,
} from './support.js';
import {
  type Connection,
  type ExecutionOutcome,
  type ExecutionRequest,
  type TaskExecutor,
  TaskFailedError,
  TaskNotRunnableError,
} from './types.js';

export interface HttpCall {
  connId: string | null;
  method: string;
  endpoint: string | undefined;
  data: PyValue | undefined;
  headers: Record<string, PyValue> | undefined;
  extraOptions: Record<string, PyValue> | undefined;
}

export interface HttpResult {
  status: number;
  reason: string;
  text: string;
  url: string;
}

/** A failed status (≥ 400) with requests' `<code>:<reason>` text. */
export class HttpStatusError extends TaskFailedError {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly body: string,
  ) {
    super(`${status}:${reason}`);
  }
}

const SESSION_EXTRAS = new Set(['timeout', 'allow_redirects', 'proxies', 'proxy', 'stream', 'verify', 'verify_ssl', 'cert', 'max_redirects']);

/** Airflow's `HttpHook.get_conn` base URL. */
export function baseUrlFromConnection(conn: Pick<Connection, 'host' | 'schema' | 'port'>): string {
  let base = conn.host && conn.host.includes('://') ? conn.host : `${conn.schema || 'http'}://${conn.host ?? ''}`;
  if (conn.port) base += `:${conn.port}`;
  return base;
}

/** Airflow's `HttpHook.url_from_endpoint`. */
export function urlFromEndpoint(base: string, endpoint: string | undefined): string {
  if (base && !base.endsWith('/') && endpoint && !endpoint.startsWith('/')) return `${base}/${endpoint}`;
  return base + (endpoint ?? '');
}

/** `requests`' encoding of a params/data dict: None values dropped, lists repeat the key. */
export function formEncode(data: Record<string, PyValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(data)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === null) continue;
      const s = pyScalarString(v);
      params.append(key, s ?? JSON.stringify(v));
    }
  }
  return params.toString();
}

/** The URL without user-info (for log lines). */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

function headerValue(value: PyValue): string {
  return pyScalarString(value) ?? JSON.stringify(value);
}

/** Performs one HttpHook.run: builds the request, sends it, checks the status. */
export async function runHttp(request: ExecutionRequest, call: HttpCall): Promise<HttpResult> {
  const method = call.method.toUpperCase();
  const headers = new Headers();
  let base = '';
  if (call.connId) {
    const conn = await request.services.getConnection(call.connId);
    if (!conn) throw new TaskFailedError(`The conn_id \`${call.connId}\` isn't defined`);
    base = baseUrlFromConnection(conn);
    if (conn.login) headers.set('Authorization', `Basic ${Buffer.from(`${conn.login}:${conn.password ?? ''}`).toString('base64')}`);
    for (const [key, value] of Object.entries(conn.extra)) {
      if (SESSION_EXTRAS.has(key) || value === undefined) continue;
      headers.set(key, headerValue(value as PyValue));
    }
  }
  for (const [key, value] of Object.entries(call.headers ?? {})) headers.set(key, headerValue(value));

  let url = urlFromEndpoint(base, call.endpoint);
  let body: string | undefined;
  const data = call.data;
  if (method === 'GET') {
    const query = typeof data === 'string' ? data : isPlainDict(data) ? formEncode(data) : '';
    if (query) url += (url.includes('?') ? '&' : '?') + query;
  } else if (method !== 'HEAD' && data !== undefined && data !== null) {
    if (typeof data === 'string') {
      body = data;
    } else if (isPlainDict(data)) {
      const contentType = headers.get('content-type') ?? '';
      if (/json/i.test(contentType)) {
        body = JSON.stringify(data);
      } else if (Object.keys(data).length) {
        body = formEncode(data);
        if (!headers.has('content-type')) headers.set('Content-Type', 'application/x-www-form-urlencoded');
      }
    } else {
      body = JSON.stringify(data);
      if (!headers.has('content-type')) headers.set('Content-Type', 'application/json');
    }
  }

  const extra = call.extraOptions ?? {};
  const timeout = typeof extra.timeout === 'number' && extra.timeout > 0 ? extra.timeout : undefined;
  const signals = [request.signal];
  if (timeout !== undefined) signals.push(AbortSignal.timeout(timeout * 1000));
  const signal = signals.length > 1 ? AbortSignal.any(signals) : request.signal;

  let response: Response;
  try {
    const init: RequestInit = { method, headers, signal, redirect: extra.allow_redirects === false ? 'manual' : 'follow' };
    if (body !== undefined) init.body = body;
    response = await fetch(url, init);
  } catch (error) {
    if (request.signal.aborted) throw abortError(request.signal);
    if (signal.aborted) throw new TaskFailedError(`HTTP ${method} ${safeUrl(url)} timed out after ${timeout} seconds`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new TaskFailedError(`HTTP ${method} ${safeUrl(url)} failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (request.signal.aborted) throw abortError(request.signal);
    throw new TaskFailedError(`HTTP ${method} ${safeUrl(url)}: reading the response failed: ${(error as Error).message}`);
  }
  if (extra.check_response !== false && response.status >= 400) {
    request.log.info(`HTTP error: ${response.statusText}`);
    request.log.info(text);
    throw new HttpStatusError(response.status, response.statusText, text);
  }
  return { status: response.status, reason: response.statusText, text, url };
}

function connIdOf(request: ExecutionRequest): string | null {
  if (request.args.http_conn_id === null) return null;
  return optionalString(request, 'http_conn_id') ?? 'http_default';
}

const CALLABLE_HINT = 'Check or transform the response in a downstream PythonOperator (it can pull this task’s XCom: the response text), or call the endpoint from a PythonOperator.';

function rejectAuthType(request: ExecutionRequest): void {
  const v = request.args.auth_type;
  if (v === undefined || v === null) return;
  const name = isCallableRef(v) ? v.name : typeof v === 'string' ? v : '';
  if (/(^|\.)HTTPBasicAuth$/.test(name)) return; // the default
  throw new TaskNotRunnableError(
    `${request.task.operator} '${request.task.task_id}': auth_type ${name || 'value'} is not supported; skydag sends HTTP basic auth from the connection's login and password.`,
  );
}

/** SimpleHttpOperator / HttpOperator. */
export const httpExecutor: TaskExecutor = async (request: ExecutionRequest): Promise<ExecutionOutcome> => {
  rejectCallable(request, 'response_check', CALLABLE_HINT);
  rejectCallable(request, 'response_filter', CALLABLE_HINT);
  rejectCallable(request, 'pagination_function', 'Paginate in a PythonOperator instead.');
  rejectAuthType(request);
  const logResponse = optionalBool(request, 'log_response', false);
  request.log.info('Calling HTTP method');
  const data = request.args.data;
  const result = await runHttp(request, {
    connId: connIdOf(request),
    method: optionalString(request, 'method') ?? 'POST',
    endpoint: optionalString(request, 'endpoint'),
    data: data === null || data === undefined ? {} : data,
    headers: optionalDict(request, 'headers'),
    extraOptions: optionalDict(request, 'extra_options'),
  });
  if (logResponse) request.log.info(result.text);
  return { outcome: 'success', ...withReturnValue(request.task, result.text) };
};

/** HttpSensor. */
export function createHttpSensor(options: SensorLoopOptions = {}): TaskExecutor {
  return async (request: ExecutionRequest) => {
    rejectCallable(request, 'response_check', 'HttpSensor without response_check waits for a non-error response; for content checks use a PythonSensor.');
    const raw = request.args.response_error_codes_allowlist;
    const allowlist =
      raw === undefined || raw === null ? ['404'] : Array.isArray(raw) ? raw.map((v) => pyScalarString(v) ?? '') : [pyScalarString(raw) ?? ''];
    const endpoint = optionalString(request, 'endpoint');
    const call: HttpCall = {
      connId: connIdOf(request),
      method: optionalString(request, 'method') ?? 'GET',
      endpoint,
      data: optionalDict(request, 'request_params') ?? {},
      headers: optionalDict(request, 'headers'),
      extraOptions: optionalDict(request, 'extra_options'),
    };
    return runSensor(
      request,
      async () => {
        request.log.info(`Poking: ${endpoint ?? ''}`);
        try {
          await runHttp(request, call);
          return true;
        } catch (error) {
          if (error instanceof HttpStatusError && allowlist.some((code) => code !== '' && error.message.startsWith(code))) return false;
          throw error;
        }
      },
      options,
    );
  };
}
