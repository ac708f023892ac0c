/**
 * RFC 7807 problem details, in Airflow 2's shape: `{type, title, status, detail, instance}` served as
 * `application/problem+json`. `type` links to the Airflow REST API reference section for the error
 * class (as Airflow's own API does), so clients written against Airflow keep working.
 */
import type { ApiResponse } from './http.js';

const ERROR_DOCS = 'https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html#section/Errors/';

export type ProblemKind =
  | 'BadRequest'
  | 'Unauthenticated'
  | 'PermissionDenied'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'AlreadyExists'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'ServiceUnavailable'
  | 'Unknown';

const STATUS: Record<ProblemKind, number> = {
  BadRequest: 400,
  Unauthenticated: 401,
  PermissionDenied: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  TooManyRequests: 429,
  ServiceUnavailable: 503,
  Unknown: 500,
};

const DEFAULT_TITLE: Record<ProblemKind, string> = {
  BadRequest: 'Bad Request',
  Unauthenticated: 'Unauthorized',
  PermissionDenied: 'Forbidden',
  NotFound: 'Not Found',
  MethodNotAllowed: 'Method Not Allowed',
  NotAcceptable: 'Not Acceptable',
  AlreadyExists: 'Conflict',
  PayloadTooLarge: 'Payload Too Large',
  UnsupportedMediaType: 'Unsupported Media Type',
  TooManyRequests: 'Too Many Requests',
  ServiceUnavailable: 'Service Unavailable',
  Unknown: 'Internal Server Error',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  [extension: string]: unknown;
}

/** Thrown by handlers; the router turns it into a problem response. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly title: string;
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    options: { title?: string; extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.status = STATUS[kind];
    this.title = options.title ?? DEFAULT_TITLE[kind];
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;
}

export const badRequest = (detail: string, extensions?: Record<string, unknown>, title?: string) =>
  new ApiError('BadRequest', detail, { ...(extensions ? { extensions } : {}), ...(title ? { title } : {}) });
export const notFound = (title: string, detail: string) => new ApiError('NotFound', detail, { title });
export const alreadyExists = (detail: string) => new ApiError('AlreadyExists', detail, { title: 'Conflict' });

export function problemResponse(error: ApiError, instance: string): ApiResponse {
  const problem: Problem = { type: ERROR_DOCS + error.kind, title: error.title, status: error.status, detail: error.detail, instance };
  // Extension members follow the standard ones and never replace them.
  for (const [key, value] of Object.entries(error.extensions)) if (!(key in problem)) problem[key] = value;
  return { status: error.status, headers: { 'content-type': 'application/problem+json', ...error.headers }, body: JSON.stringify(problem) };
}
