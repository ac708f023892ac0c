/**
 * What a route is: method, path pattern (API Gateway's `{param}` syntax), access (public, or the
 * permissions it needs), request schemas, the audit event of every mutating method, and the handler.
 * The table itself is in routes/index.ts; the matcher in router.ts.
 */
import type { DagAccess } from './auth/dag-access.js';
import type { Access, Permission } from './auth/permissions.js';
import type { Principal } from './auth/users.js';
import type { ApiDeps } from './deps.js';
import type { ApiRequest, ApiResponse } from './http.js';
import type { JsonSchema } from './validation.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
export const MUTATING_METHODS: ReadonlySet<HttpMethod> = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** What the audit record of a request holds besides who/when/where; handlers may refine it. */
export interface AuditNote {
  event: string;
  dag_id: string | null;
  task_id: string | null;
  run_id: string | null;
  /** Who to record when nobody is signed in (login records the username tried). */
  owner?: string;
  /** Replaces the default extra (the request body with secrets masked); must already be masked. */
  extra?: unknown;
  /** Why the request was refused before its handler ran (limits, validation): recorded instead of the body. */
  refused?: string;
}

export interface RouteContext<Q = Record<string, unknown>, B = unknown> {
  request: ApiRequest;
  params: Readonly<Record<string, string>>;
  query: Q;
  body: B;
  principal: Principal | null;
  /** The principal's per-DAG permissions: listings filter through it, content-scoped routes check with it. */
  dags: DagAccess;
  deps: ApiDeps;
  audit: AuditNote;
  /** The request path, for problem `instance`. */
  path: string;
}

export interface AuditSpec<Q, B> {
  /** Event name, e.g. `trigger`, `variable.update`, `dag.pause`; handlers may override per request. */
  event: string;
  /** The masked body to record; default: the JSON body through redactByKey. */
  extra?: (ctx: RouteContext<Q, B>) => unknown;
}

/**
 * Which DAGs a route acts on, so per-DAG permissions are enforced in one place (api.ts) with the
 * route's DAG-level permission (`read:dags` for GET, `edit:dags`/`delete:dags` otherwise):
 * - `{ param }`: a path parameter names the DAG (implied for paths with `{dag_id}`); the dispatcher
 *   refuses before the handler runs (404 as absent when the DAG is hidden, 403 when it is visible but
 *   the action is not held). `~` (every DAG) reaches the handler, which lists through `ctx.dags`.
 * - `'listed'`: the route lists records of many DAGs and keeps only those `ctx.dags` allows
 *   (totals included).
 * - `'content'`: the DAGs are named inside the request (an uploaded file); the handler checks them
 *   through `ctx.dags` once it has read them.
 * - `'none'`: the route concerns no DAG.
 */
export type DagScope = { param: string } | 'listed' | 'content' | 'none';

export interface Route<Q = Record<string, unknown>, B = unknown> {
  /** Airflow's operationId where the endpoint exists in Airflow (e.g. `get_dags`). */
  id: string;
  method: HttpMethod;
  /** e.g. `/api/v1/dags/{dag_id}/dagRuns`. */
  path: string;
  access: Access;
  /** Which DAGs the route acts on; required unless the path has `{dag_id}` (then `{param: 'dag_id'}`). */
  dags?: DagScope;
  summary: string;
  query?: JsonSchema;
  /** JSON body schema (validated strictly), or `raw` for handlers that parse the body themselves. */
  body?: JsonSchema | 'raw';
  /** The JSON schema of a successful response, for the OpenAPI document (openapi.ts); absent: not declared yet. */
  response?: JsonSchema;
  /** A successful response that is a file, not JSON (e.g. `application/gzip`): documented as binary. */
  responseContentType?: string;
  /** The largest request body (default DEFAULT_MAX_BODY_BYTES, limits.ts); larger is a 413. */
  maxBodyBytes?: number;
  audit?: AuditSpec<Q, B>;
  /** A POST that changes nothing (validation): not audited, as reads are not. */
  readOnly?: boolean;
  handle(ctx: RouteContext<Q, B>): Promise<ApiResponse | object>;
}

/** Erases a route's query/body types so routes of every shape fit one table. */
export function defineRoute<Q, B>(route: Route<Q, B>): Route {
  return route as unknown as Route;
}

/** A route without its handler: what the CDK stack and documentation need. */
export interface RouteInfo {
  id: string;
  method: HttpMethod;
  path: string;
  public: boolean;
  permissions: readonly Permission[];
  /** `param:<name>`, `listed`, `content` or `none` (see DagScope). */
  dagScope: string;
  auditEvent: string | null;
  summary: string;
}

