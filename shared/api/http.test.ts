/** The transport model (API Gateway v2 events ↔ ApiRequest/ApiResponse), the router and the request pipeline's errors. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiGatewayHandler, toApiGatewayResult, toApiRequest } from './http.js';
import { Router, buildRouter, type Route } from './router.js';
import { validateQuery } from './validation.js';
import { RUN_ID, call, createHarness } from './test-support.js';

function event(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/api/v1/dags',
    rawQueryString: 'tags=a&tags=b%2Cc&limit=5',
    headers: { 'Content-Type': 'application/json', authorization: 'Bearer x' },
    queryStringParameters: { tags: 'a,b,c', limit: '5' },
    requestContext: {
      accountId: '123',
      apiId: 'api',
      domainName: 'example.com',
      domainPrefix: 'example',
      http: { method: 'post', path: '/api/v1/dags', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'curl/8' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '01/Jun/2024:12:00:00 +0000',
      timeEpoch: 0,
    },
    body: Buffer.from('{"a":1}').toString('base64'),
    isBase64Encoded: true,
    ...overrides,
  };
}

describe('toApiRequest / toApiGatewayResult', () => {
  it('keeps exact multi-valued query parameters from rawQueryString, lower-cases headers, decodes base64 bodies', () => {
    const req = toApiRequest(event());
    expect(req.method).toBe('POST');
    expect(req.query).toEqual({ tags: ['a', 'b,c'], limit: ['5'] });
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body?.toString()).toBe('{"a":1}');
    expect([req.sourceIp, req.userAgent, req.requestId]).toEqual(['203.0.113.9', 'curl/8', 'req-1']);
  });

  it('falls back to the comma-joined map without rawQueryString; text bodies stay text', () => {
    const req = toApiRequest(event({ rawQueryString: '', body: '{"x":"é"}', isBase64Encoded: false }));
    expect(req.query).toEqual({ tags: ['a', 'b', 'c'], limit: ['5'] });
    expect(req.body?.toString('utf8')).toBe('{"x":"é"}');
    expect(toApiRequest(event({ body: undefined })).body).toBeUndefined();
  });

  it('maps responses: text as is, buffers base64, cookies', () => {
    expect(toApiGatewayResult({ status: 201, headers: { a: 'b' }, body: 'hi', cookies: ['s=1'] })).toEqual({ statusCode: 201, headers: { a: 'b' }, body: 'hi', isBase64Encoded: false, cookies: ['s=1'] });
    expect(toApiGatewayResult({ status: 200, headers: {}, body: Buffer.from([0, 255]) })).toEqual({ statusCode: 200, headers: {}, body: 'AP8=', isBase64Encoded: true });
    expect(toApiGatewayResult({ status: 204, headers: {} })).toEqual({ statusCode: 204, headers: {} });
  });

  it('apiGatewayHandler runs the API on a v2 event', async () => {
    const h = await createHarness();
    const result = await apiGatewayHandler(h.api)(event({ rawPath: '/api/v1/version', rawQueryString: '', body: undefined, headers: {}, requestContext: { ...event().requestContext, http: { ...event().requestContext.http, method: 'GET' } } }));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body!)).toEqual({ version: '0.1.0-test', git_version: null });
  });
});

describe('router', () => {
  const router = buildRouter();

  it('matches params segment by segment, decoding each (an encoded slash stays inside its segment)', () => {
    const m = router.match('GET', `/api/v1/dags/etl/dagRuns/${encodeURIComponent('manual__2024-01-01T00:00:00+00:00')}/taskInstances/a%2Fb`);
    expect(m).toMatchObject({ kind: 'matched', params: { dag_id: 'etl', dag_run_id: 'manual__2024-01-01T00:00:00+00:00', task_id: 'a/b' } });
    expect(router.match('GET', '/api/v1/dags/etl/details')).toMatchObject({ kind: 'matched', route: { id: 'get_dag_details' } });
    expect(router.match('GET', '/api/v1/dags/')).toEqual({ kind: 'not-found' });
    expect(router.match('PUT', '/api/v1/variables/x')).toEqual({ kind: 'method-not-allowed', allowed: ['DELETE', 'GET', 'PATCH'] });
    expect(() => router.match('GET', '/api/v1/dags/%E0%A4%A')).toThrow(/percent-encoding/);
  });

  it('refuses a route that does not say which DAGs it acts on, or whose DAG-level permission does not fit its method', () => {
    const route = (r: Partial<Route>): Route => ({ id: 'x', method: 'GET', path: '/api/v1/things', access: { permissions: [] }, summary: 's', handle: async () => ({}), ...r });
    expect(() => new Router([route({})])).toThrow(/GET \/api\/v1\/things declares no DAG scope/);
    expect(() => new Router([route({ dags: 'none', access: { permissions: ['read:dags'] } })])).toThrow(/acts on no DAG but requires can_read/);
    expect(() => new Router([route({ path: '/api/v1/dags/{dag_id}/x', access: { permissions: ['edit:dags'] } })])).toThrow(/needs can_read on its DAG \(Airflow's rule for GET\) but declares can_edit/);
    expect(() => new Router([route({ method: 'PATCH', path: '/api/v1/dags/{dag_id}/x', access: { permissions: ['read:dags'] }, audit: { event: 'x' } })])).toThrow(/needs can_edit or can_delete/);
    expect(() => new Router([route({ path: '/api/v1/dags/{dag_id}/x', access: { permissions: [] } })])).toThrow(/declares none/);
    expect(() => new Router([route({ path: '/api/v1/dags/{dag_id}/x', dags: 'listed', access: { permissions: ['read:dags'] } })])).toThrow(/has \{dag_id\} in its path/);
    expect(() => new Router([route({ path: '/api/v1/things/{name}', dags: { param: 'dag' }, access: { permissions: ['read:dags'] } })])).toThrow(/names its DAG by \{dag\}, which its path lacks/);
    expect(() => new Router([route({ dags: 'listed', access: { public: true } })])).toThrow(/is public but acts on DAGs/);
    expect(() => new Router([route({ path: '/api/v1/dags/{dag_id}/x', access: { permissions: ['read:dags'] } }), route({ id: 'y', dags: 'listed', access: { permissions: ['read:dags'] } })])).not.toThrow();
  });

  it('describes every route for the infrastructure (method, path, permissions, DAG scope, audit event)', () => {
    const info = router.info();
    expect(info.find((r) => r.id === 'post_dag_run')).toEqual({
      id: 'post_dag_run',
      method: 'POST',
      path: '/api/v1/dags/{dag_id}/dagRuns',
      public: false,
      permissions: ['edit:dags', 'create:dag_runs'],
      dagScope: 'param:dag_id',
      auditEvent: 'trigger',
      summary: expect.any(String),
    });
    expect(info.filter((r) => r.public).map((r) => r.id).sort()).toEqual(['get_api_reference', 'get_auth_config', 'get_health', 'get_openapi', 'get_version', 'login', 'redeem_oidc_code']);
  });
});

describe('request pipeline errors', () => {
  it('404 and 405 are problem JSON; 405 carries Allow', async () => {
    const h = await createHarness();
    const missing = await call(h, 'GET', '/api/v1/nothing', { token: h.tokens.Admin });
    expect(missing).toMatchObject({ status: 404, json: { title: 'Not Found', status: 404, instance: '/api/v1/nothing' } });
    expect(missing.headers['content-type']).toBe('application/problem+json');
    const wrong = await call(h, 'DELETE', '/api/v1/dags', { token: h.tokens.Admin });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, PATCH');
    expect(wrong.headers['x-content-type-options']).toBe('nosniff');
  });

  it('malformed JSON is a 400 (not 415) that does not echo the body', async () => {
    const h = await createHarness();
    const res = await call(h, 'POST', '/api/v1/variables', { token: h.tokens.Op, rawBody: '{"key": "k", "value": "top-secret-value" oops}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.json.detail).toMatch(/^request body is not valid JSON \(syntax error at character \d+\)$/);
    expect(res.text).not.toContain('top-secret-value');
    const empty = await call(h, 'POST', '/api/v1/variables', { token: h.tokens.Op });
    expect(empty.json.detail).toBe('request body is required (a JSON object)');
  });

  it('unexpected failures are a 500 problem without internals, logged with the request id', async () => {
    const logged: string[] = [];
    const h = await createHarness({ config: { logger: { error: (m) => void logged.push(m) } } });
    h.store.listDags = async () => {
      throw new Error('connection reset by peer at 10.1.2.3');
    };
    const res = await call(h, 'GET', '/api/v1/dags', { token: h.tokens.Viewer });
    expect(res.status).toBe(500);
    expect(res.json.title).toBe('Internal Server Error');
    expect(res.text).not.toContain('10.1.2.3');
    expect(logged[0]).toMatch(/test-request GET \/api\/v1\/dags failed/);
  });

  it('an audit write failure is logged but does not undo or fail the request', async () => {
    const logged: string[] = [];
    const h = await createHarness({ config: { logger: { error: (m) => void logged.push(m) } } });
    h.store.appendAuditLog = async () => {
      throw new Error('audit table unavailable');
    };
    const res = await call(h, 'PATCH', `/api/v1/dags/etl/dagRuns/${encodeURIComponent(RUN_ID)}/setNote`, { token: h.tokens.User, body: { note: 'n' } });
    expect(res.status).toBe(200);
    expect(logged.some((m) => m.startsWith('audit log write failed'))).toBe(true);
  });

  it('health and version are public', async () => {
    const h = await createHarness({ config: { scheduler: { latestHeartbeat: async () => new Date('2024-06-01T11:59:50Z') } } });
    const health = await call(h, 'GET', '/api/v1/health');
    expect(health.json).toMatchObject({ metadatabase: { status: 'healthy' }, scheduler: { status: 'healthy', latest_scheduler_heartbeat: '2024-06-01T11:59:50.000Z' } });
    h.clock.advance(60_000);
    expect((await call(h, 'GET', '/api/v1/health')).json.scheduler.status).toBe('unhealthy');
    expect((await call(h, 'GET', '/api/v1/version')).json.version).toBe('0.1.0-test');
  });
});

describe('query validation', () => {
  it('coerces scalars, keeps arrays, applies defaults and names bad parameters', () => {
    const schema = { type: 'object', properties: { limit: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, flag: { type: 'boolean', default: true } } } as const;
    expect(validateQuery(schema, { limit: ['7'], tags: ['a', 'b'], unknown: ['x'] })).toEqual({ limit: 7, tags: ['a', 'b'], flag: true });
    expect(() => validateQuery(schema, { limit: ['1.5'] })).toThrow("query parameter 'limit' must be integer");
  });

  it('refuses numbers too large to be finite (the fuzz found 1e400 reaching the store as Infinity: a 500)', () => {
    const schema = { type: 'object', properties: { limit: { type: 'integer' }, ratio: { type: 'number' }, ids: { type: 'array', items: { type: 'integer' } } } } as const;
    expect(() => validateQuery(schema, { limit: ['1e400'] })).toThrow("query parameter 'limit' must be a finite number");
    expect(() => validateQuery(schema, { ratio: ['-1e999'] })).toThrow("query parameter 'ratio' must be a finite number");
    expect(() => validateQuery(schema, { ids: ['1', '1e400'] })).toThrow("query parameter 'ids' must be a finite number");
    expect(validateQuery(schema, { limit: ['1e3'] })).toEqual({ limit: 1000 });
  });
});

describe('ETags on GETs', () => {
  it('a GET answer carries an ETag; If-None-Match with it is a 304 without a body, a changed answer a new ETag', async () => {
    const h = await createHarness();
    const first = await call(h, 'GET', '/api/v1/dags/etl', { token: h.tokens.Viewer });
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    const again = await call(h, 'GET', '/api/v1/dags/etl', { token: h.tokens.Viewer, headers: { 'if-none-match': `"other", ${etag}` } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect((await call(h, 'GET', '/api/v1/dags/etl', { token: h.tokens.Viewer, headers: { 'if-none-match': `W/${etag}` } })).status).toBe(304);
    await call(h, 'PATCH', '/api/v1/dags/etl', { token: h.tokens.User, body: { is_paused: true } });
    const changed = await call(h, 'GET', '/api/v1/dags/etl', { token: h.tokens.Viewer, headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    // Not on errors, nor on writes; and an unauthenticated request never learns the ETag.
    expect((await call(h, 'GET', '/api/v1/dags/etl', { headers: { 'if-none-match': etag } })).status).toBe(401);
    expect((await call(h, 'PATCH', '/api/v1/dags/etl', { token: h.tokens.User, body: { is_paused: false } })).headers.etag).toBeUndefined();
  });
});

describe('CORS', () => {
  it('is off by default: no CORS headers, and a preflight is not answered as allowed', async () => {
    const h = await createHarness();
    const res = await call(h, 'GET', '/api/v1/health', { headers: { origin: 'https://console.example.com' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await call(h, 'OPTIONS', '/api/v1/dags', { headers: { origin: 'https://console.example.com', 'access-control-request-method': 'GET' } });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers preflights and marks answers for the configured origins only', async () => {
    const h = await createHarness({ config: { corsOrigins: ['https://console.example.com'] } });
    const preflight = await call(h, 'OPTIONS', '/api/v1/dags', { headers: { origin: 'https://console.example.com', 'access-control-request-method': 'PATCH' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': 'https://console.example.com', 'access-control-allow-headers': expect.stringContaining('Authorization') });
    expect(preflight.headers['access-control-allow-methods']).toContain('PATCH');
    const other = await call(h, 'OPTIONS', '/api/v1/dags', { headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' } });
    expect(other.status).toBe(403);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const allowed = await call(h, 'GET', '/api/v1/dags', { token: h.tokens.Viewer, headers: { origin: 'https://console.example.com' } });
    expect(allowed.headers).toMatchObject({ 'access-control-allow-origin': 'https://console.example.com', vary: 'Origin' });
    expect(allowed.headers['access-control-expose-headers']).toContain('ETag');
    const refused = await call(h, 'GET', '/api/v1/dags', { token: h.tokens.Viewer, headers: { origin: 'https://evil.example.com' } });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });
});
