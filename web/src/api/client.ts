/**
 * The console's HTTP client for the REST API at /api/v1: bearer token from the session, JSON in and
 * out, and every failure as an ApiError carrying the RFC 7807 problem the API answered (or a
 * network/parse failure described in words). A 401 signs the user out (the token expired or was
 * revoked) so the app can send them to the login page.
 */
import type { Problem } from './types';

export const API_BASE = '/api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
  }
}

export interface TokenSource {
  token(): string | null;
  onUnauthenticated(): void;
}

let tokens: TokenSource = { token: () => null, onUnauthenticated: () => undefined };

/** The session module registers itself here (keeps this module free of React). */
export function setTokenSource(source: TokenSource): void {
  tokens = source;
}

export type Query = Record<string, string | number | boolean | readonly (string | number)[] | null | undefined>;

/** `?a=1&b=x&b=y` — arrays repeat the key, as the API (Airflow's connexion) reads them; empty values are left out. */
export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** One path segment: ids may hold characters that mean something in a URL. */
export const seg = (value: string): string => encodeURIComponent(value);

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  /** FormData is sent as multipart (uploads). */
  form?: FormData;
  /** A file sent as the raw request body (keytabs, Hadoop XML, archives), with its media type. */
  raw?: { data: Blob | string; type: string };
  /** Extra request headers (an upload chunk's checksum). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Login: do not send a token, and a 401 is an answer, not a session end. */
  anonymous?: boolean;
}

async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as Partial<Problem>;
    if (parsed && typeof parsed === 'object' && (parsed.title || parsed.detail)) {
      return { type: parsed.type ?? 'about:blank', title: parsed.title ?? response.statusText, status: parsed.status ?? response.status, detail: parsed.detail ?? '', ...parsed } as Problem;
    }
  } catch {
    // not JSON: fall through to a problem made from the status line
  }
  return { type: 'about:blank', title: response.statusText || `HTTP ${response.status}`, status: response.status, detail: text.slice(0, 500) };
}

/** The request's body (form, raw file or JSON), its content type set in `headers`. */
function bodyOf(options: RequestOptions, headers: Record<string, string>): BodyInit | undefined {
  if (options.form) return options.form;
  if (options.raw) {
    headers['content-type'] = options.raw.type;
    return options.raw.data;
  }
  if (options.body === undefined) return undefined;
  headers['content-type'] = 'application/json';
  return JSON.stringify(options.body);
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = options.anonymous ? null : tokens.token();
  if (token) headers.authorization = `Bearer ${token}`;
  Object.assign(headers, options.headers);
  const body = bodyOf(options, headers);
  const response = await send(path, options, headers, body);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(response.status, { type: 'about:blank', title: 'Bad response', status: response.status, detail: 'The server answered with something that is not JSON.' });
  }
}

async function send(path: string, options: RequestOptions, headers: Record<string, string>, body: BodyInit | undefined): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}${queryString(options.query)}`, { method: options.method ?? 'GET', headers, body: body ?? null, signal: options.signal ?? null });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, { type: 'about:blank', title: 'Network error', status: 0, detail: 'The skydag server could not be reached. Is it running?' });
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && !options.anonymous) tokens.onUnauthenticated();
    throw new ApiError(response.status, problem);
  }
  return response;
}

/** A file the API answers with (archives), as a Blob the page can offer for download. */
export async function requestBlob(path: string, options: RequestOptions = {}): Promise<Blob> {
  const token = tokens.token();
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return (await send(path, options, headers, bodyOf(options, headers))).blob();
}

/** A message for people: the problem's detail, or its title. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.problem.detail || error.problem.title;
  if (error instanceof Error) return error.message;
  return String(error);
}
