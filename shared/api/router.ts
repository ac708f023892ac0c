/**
 * The router: {@link buildRouter} over the route table (routes/index.ts) is the single source of routes —
 * the API dispatches with it, and the CDK stack can generate API Gateway routes from
 * {@link Router.info}. Paths are matched segment by segment on the raw path, each segment decoded on
 * its own (so `%2F` inside an id never splits it).
 */
import { badRequest } from './problem.js';
import { MUTATING_METHODS, type HttpMethod, type Route, type RouteInfo } from './route.js';
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

export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(readonly routes: readonly Route[]) {
    const seen = new Set<string>();
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) throw new Error(`duplicate route ${key}`);
      seen.add(key);
      if (MUTATING_METHODS.has(route.method) && !route.audit) throw new Error(`mutating route ${key} declares no audit event`);
      if (!route.access.public && !('permissions' in route.access)) throw new Error(`route ${key} declares no permission`);
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
      auditEvent: r.audit?.event ?? null,
      summary: r.summary,
    }));
  }
}

export function buildRouter(routes: readonly Route[] = ROUTES): Router {
  return new Router(routes);
}
