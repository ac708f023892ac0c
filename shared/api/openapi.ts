/**
 * The OpenAPI 3.1 document of the API, generated from the route table (one source of truth): each
 * route's path, method, operationId (Airflow's where it exists), summary, access, query and body
 * schemas (the ajv schemas the API validates with), and its response schema where the route declares
 * one; every error is an RFC 7807 problem. Served at /api/v1/openapi.json, rendered at /api/v1/ui.
 */
import type { Route } from './route.js';
import type { JsonSchema } from './validation.js';

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

export interface OpenApiResponse {
  description: string;
  content?: Record<string, { schema: unknown }>;
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters: { name: string; in: 'path' | 'query'; required: boolean; schema: unknown; description?: string }[];
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, OpenApiResponse>;
  'x-skydag-permissions': readonly string[];
  'x-skydag-dag-scope': string;
}

/** The problem JSON every error answers with (problem.ts). */
export const PROBLEM_SCHEMA = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
  },
  required: ['type', 'title', 'status', 'detail', 'instance'],
} as const;

/** skydag's own keywords (maxBytes) become OpenAPI extensions, so the document is plain JSON Schema 2020-12. */
function toOpenApiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toOpenApiSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'maxBytes') out['x-skydag-max-bytes'] = value;
    else if (key === 'properties' && value && typeof value === 'object') out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toOpenApiSchema(v)]));
    else if (key === 'enum' || key === 'default' || key === 'required') out[key] = value;
    else out[key] = toOpenApiSchema(value);
  }
  // A free-form object (`conf`, `rendered_fields`) says so: generators read a bare {type: object} as an empty one.
  const types = Array.isArray(out.type) ? out.type : [out.type];
  if (types.includes('object') && out.properties === undefined && out.additionalProperties === undefined) out.additionalProperties = true;
  return out;
}

function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
}

/** The tag of a route: the first path segment after /api/v1 (dags, dagRuns live under dags, variables, …). */
function tagOf(path: string): string {
  return path.replace(/^\/api\/v1\/?/, '').split('/')[0] || 'api';
}

function scopeOf(route: Route): string {
  const scope = route.dags ?? (route.path.includes('{dag_id}') ? { param: 'dag_id' } : 'none');
  return typeof scope === 'object' ? `param:${scope.param}` : scope;
}

function operation(route: Route): OpenApiOperation {
  const query = route.query as JsonSchema | undefined;
  const parameters: OpenApiOperation['parameters'] = [
    ...pathParams(route.path).map((name) => ({ name, in: 'path' as const, required: true, schema: { type: 'string' } })),
    ...Object.entries(query?.properties ?? {}).map(([name, schema]) => ({
      name,
      in: 'query' as const,
      required: query?.required?.includes(name) ?? false,
      schema: toOpenApiSchema(schema),
      ...(schema.description ? { description: schema.description } : {}),
    })),
  ];
  const problem = { description: 'An RFC 7807 problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  const success = route.responseContentType
    ? { description: 'Success: a file', content: { [route.responseContentType]: { schema: { type: 'string', contentEncoding: 'binary' } } } }
    : route.response
      ? { description: 'Success', content: { 'application/json': { schema: toOpenApiSchema(route.response) } } }
      : { description: 'Success (response schema not declared yet)' };
  return {
    operationId: route.id,
    summary: route.summary,
    tags: [tagOf(route.path)],
    security: route.access.public ? [] : [{ bearerAuth: [] }, { basicAuth: [] }],
    parameters,
    ...(route.body === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            content: route.body === 'raw' ? { 'application/octet-stream': { schema: {} } } : { 'application/json': { schema: toOpenApiSchema(route.body) } },
          },
        }),
    responses: { '2XX': success, default: problem },
    'x-skydag-permissions': 'permissions' in route.access ? route.access.permissions : [],
    'x-skydag-dag-scope': scopeOf(route),
  };
}

export function openApiDocument(routes: readonly Route[], version: string): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'skydag REST API',
      version,
      description: "Airflow 2's stable REST API (/api/v1) as skydag serves it, plus skydag's own endpoints. Generated from the route table.",
    },
    paths,
    components: {
      schemas: { Problem: PROBLEM_SCHEMA },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token from POST /api/v1/auth/login' },
        basicAuth: { type: 'http', scheme: 'basic', description: 'Local mode only' },
      },
    },
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A plain HTML reference of the document: no scripts, no CDN (the page is served with the API). */
export function openApiHtml(doc: OpenApiDocument): string {
  const sections = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters.map((p) => `<code>${escapeHtml(p.name)}</code> (${p.in}${p.required ? ', required' : ''})`).join(', ');
      const access = op.security.length === 0 ? 'public' : op['x-skydag-permissions'].join(', ');
      const row =
        `<tr id="${escapeHtml(op.operationId)}"><td><b>${method.toUpperCase()}</b></td><td><code>${escapeHtml(path)}</code></td>` +
        `<td>${escapeHtml(op.summary)}<br><small>operationId <code>${escapeHtml(op.operationId)}</code>; access: ${escapeHtml(access)}` +
        `${params ? `; parameters: ${params}` : ''}${op.requestBody ? '; JSON body' : ''}</small></td></tr>`;
      const tag = op.tags[0]!;
      sections.set(tag, [...(sections.get(tag) ?? []), row]);
    }
  }
  const body = [...sections]
    .map(([tag, rows]) => `<h2>${escapeHtml(tag)}</h2><table><tbody>${rows.join('')}</tbody></table>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(doc.info.title)} ${escapeHtml(doc.info.version)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #ddd;padding:.3rem;vertical-align:top}code{font-size:.9em}</style>
</head><body><h1>${escapeHtml(doc.info.title)} ${escapeHtml(doc.info.version)}</h1>
<p>${escapeHtml(doc.info.description)} The machine-readable document: <a href="openapi.json">openapi.json</a>. Errors are RFC 7807 problems (<code>application/problem+json</code>).</p>
${body}
</body></html>
`;
}
