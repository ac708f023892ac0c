/**
 * The router: {@link buildRouter} over the route table (routes/index.ts) is the single source of routes —
 * the API dispatches with it, and the CDK stack can generate API Gateway routes from
 * {@link Router.info}. Paths are matched segment by segment on the raw path, each segment decoded on
 * its own (so `%2F` inside an id never splits it).
 */
import { dagActionOf, type Permission } from './auth/permissions.js';
import type { DagAction } from '../model/schema.js';
import { badRequest } from './problem.js';
import { MUTATING_METHODS, type DagScope, type HttpMethod, type Route, type RouteInfo } from './route.js';
import { ROUTES } from './routes/index.js';

export type { HttpMethod, Route, RouteInfo } from './route.js';

type Segment = { literal: string } | { param: string };

interface CompiledRoute {
  route: Route;
  segments: Segment[];
  literals: number;
}

export type MatchResult =
  | { kind: 'matched'; route: Route; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: HttpMethod[] }
  | { kind: 'not-found' };

function compile(route: Route): CompiledRoute {
  const segments: Segment[] = route.path
    .split('/')
    .slice(1)
    .map((s) => (/^\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(s) ? { param: s.slice(1, -1) } : { literal: s }));
  return { route, segments, literals: segments.filter((s) => 'literal' in s).length };
}

/** The DAGs a route acts on: as declared, or the `{dag_id}` path parameter. */
export function dagScopeOf(route: Route): DagScope | undefined {
  return route.dags ?? (route.path.includes('{dag_id}') ? { param: 'dag_id' } : undefined);
}

/** The DAG action a route needs on the DAGs it acts on: its DAG-level permission (`read:dags` → can_read, ...). */
export function dagActionOfRoute(route: Route): DagAction | undefined {
  const permissions: readonly Permission[] = 'permissions' in route.access ? route.access.permissions : [];
  return permissions.map(dagActionOf).find((a) => a !== undefined);
}

/**
 * Why a route's DAG scope and DAG-level permission do not fit together (undefined when they do): every
 * route says which DAGs it acts on; one naming a DAG needs exactly one DAG-level permission, by
 * Airflow's rule (GET reads the DAG, any other method edits it, or deletes it).
 */
function dagScopeProblem(route: Route): string | undefined {
  const scope = dagScopeOf(route);
  if (!scope) return "declares no DAG scope (dags: 'none' | 'listed' | 'content' | {param})";
  const permissions: readonly Permission[] = 'permissions' in route.access ? route.access.permissions : [];
  const actions = permissions.map(dagActionOf).filter((a) => a !== undefined);
  if (route.access.public && scope !== 'none') return 'is public but acts on DAGs';
  if (route.path.includes('{dag_id}') && (typeof scope !== 'object' || scope.param !== 'dag_id')) return 'has {dag_id} in its path but names its DAG by another parameter';
  if (scope === 'none') return actions.length ? `acts on no DAG but requires ${actions.join(', ')}` : undefined;
  if (actions.length > 1) return `requires more than one DAG-level permission (${actions.join(', ')})`;
  if (typeof scope === 'object') {
    if (!route.path.includes(`{${scope.param}}`)) return `names its DAG by {${scope.param}}, which its path lacks`;
    const expected = route.method === 'GET' ? ['can_read'] : ['can_edit', 'can_delete'];
    if (!actions[0] || !expected.includes(actions[0])) return `needs ${expected.join(' or ')} on its DAG (Airflow's rule for ${route.method}) but declares ${actions[0] ?? 'none'}`;
  }
  return undefined;
}

export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(readonly routes: readonly Route[]) {
    const seen = new Set<string>();
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) throw new Error(`duplicate route ${key}`);
      seen.add(key);
      if (MUTATING_METHODS.has(route.method) && !route.readOnly && !route.audit) throw new Error(`mutating route ${key} declares no audit event`);
      if (!route.access.public && !('permissions' in route.access)) throw new Error(`route ${key} declares no permission`);
      const problem = dagScopeProblem(route);
      if (problem) throw new Error(`route ${key} ${problem}`);
    }
    // Routes with more literal segments win over parameterised ones of the same length.
    this.compiled = routes.map(compile).sort((a, b) => b.literals - a.literals);
  }

  /** Matches a raw (percent-encoded) path; each segment is decoded on its own, so `%2F` never splits a segment. */
  match(method: string, rawPath: string): MatchResult {
    const parts = rawPath.split('/').slice(1);
    let decoded: string[];
    try {
      decoded = parts.map((p) => decodeURIComponent(p));
    } catch {
      throw badRequest('the request path is not valid percent-encoding');
    }
    const allowed = new Set<HttpMethod>();
    for (const c of this.compiled) {
      if (c.segments.length !== decoded.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < c.segments.length && ok; i++) {
        const seg = c.segments[i]!;
        const value = decoded[i]!;
        if ('literal' in seg) ok = seg.literal === parts[i];
        else if (value === '') ok = false;
        else params[seg.param] = value;
      }
      if (!ok) continue;
      if (c.route.method === method) return { kind: 'matched', route: c.route, params };
      allowed.add(c.route.method);
    }
    return allowed.size ? { kind: 'method-not-allowed', allowed: [...allowed].sort() } : { kind: 'not-found' };
  }

  info(): RouteInfo[] {
    return this.routes.map((r) => ({
      id: r.id,
      method: r.method,
      path: r.path,
      public: r.access.public === true,
      permissions: 'permissions' in r.access ? r.access.permissions : [],
      dagScope: describeScope(dagScopeOf(r)!),
      auditEvent: r.audit?.event ?? null,
      summary: r.summary,
    }));
  }
}

export function buildRouter(routes: readonly Route[] = ROUTES): Router {
  return new Router(routes);
}

function describeScope(scope: DagScope): string {
  return typeof scope === 'object' ? `param:${scope.param}` : scope;
}
