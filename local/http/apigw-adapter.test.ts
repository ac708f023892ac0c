/**
 * End to end through the real node:http adapter on 127.0.0.1 (port 0): the API served as an API
 * Gateway v2 Lambda handler, plus the shape of the events the adapter builds and its result mapping.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { apiGatewayHandler } from '../../shared/api/http.js';
import { PASSWORD, USERS, createHarness, type Harness } from '../../shared/api/test-support.js';
import { createApiGatewayServer, type ApiGatewayV2Handler } from './apigw-adapter.js';

async function listen(handler: ApiGatewayV2Handler, maxBodyBytes?: number): Promise<{ server: Server; base: string }> {
  const server = createApiGatewayServer(handler, maxBodyBytes === undefined ? {} : { maxBodyBytes });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('the API over node:http', () => {
  let h: Harness;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    h = await createHarness();
    ({ server, base } = await listen(apiGatewayHandler(h.api), 64 * 1024));
  });
  afterAll(() => close(server));

  it('login, then list DAGs with the bearer token', async () => {
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: USERS.Viewer, password: PASSWORD }) });
    expect(login.status).toBe(200);
    const { access_token: token } = (await login.json()) as { access_token: string };
    const dags = await fetch(`${base}/api/v1/dags?limit=10&tags=finance`, { headers: { authorization: `Bearer ${token}` } });
    expect(dags.status).toBe(200);
    expect(dags.headers.get('content-type')).toBe('application/json');
    expect(((await dags.json()) as { dags: { dag_id: string }[] }).dags.map((d) => d.dag_id)).toEqual(['etl']);
    // The audit record carries the client's address as API Gateway reports it.
    expect((await h.store.listAuditLog({ event: 'login' })).items[0]!.source_ip).toBe('127.0.0.1');
  });

  it('HTTP Basic credentials', async () => {
    const auth = `Basic ${Buffer.from(`${USERS.Op}:${PASSWORD}`).toString('base64')}`;
    const res = await fetch(`${base}/api/v1/pools`, { headers: { authorization: auth } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { pools: { name: string }[] }).pools[0]!.name).toBe('default_pool');
    expect((await fetch(`${base}/api/v1/pools`)).status).toBe(401);
  });

  it('malformed JSON is a 400 problem', async () => {
    const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username": ' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { detail: string }).detail).toMatch(/^request body is not valid JSON/);
  });

  it('an unknown path is a 404 problem', async () => {
    const res = await fetch(`${base}/api/v1/does/not/exist`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ status: 404, title: 'Not Found', instance: '/api/v1/does/not/exist' });
  });

  it('a body over the limit is refused with 413 before the handler runs', async () => {
    const before = (await h.store.listAuditLog()).total;
    const big = JSON.stringify({ filename: 'big.py', content: 'x'.repeat(100 * 1024) });
    const res = await fetch(`${base}/api/v1/dagFiles`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.tokens.Op}` }, body: big });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { detail: string }).detail).toBe('request body exceeds 65536 bytes');
    expect((await h.store.listAuditLog()).total).toBe(before);
    expect(h.dagFiles.files.size).toBe(0);
  });

  it('a chunked body (no content-length) that grows over the limit is refused with 413 too', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/api/v1/dagFiles`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', authorization: `Bearer ${h.tokens.Op}` } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = 'y'.repeat(16 * 1024);
      for (let i = 0; i < 8; i++) req.write(chunk);
      req.end();
    });
    expect(status).toBe(413);
    expect(h.dagFiles.files.size).toBe(0);
  });

  it('uploads a DAG file as multipart/form-data (binary bodies travel base64)', async () => {
    const form = new FormData();
    form.append('file', new Blob(['hello:\n  default_args:\n    start_date: 2024-01-01\n  tasks:\n    t:\n      operator: airflow.operators.bash.BashOperator\n      bash_command: echo\n']), 'hello.yaml');
    const res = await fetch(`${base}/api/v1/dagFiles`, { method: 'POST', headers: { authorization: `Bearer ${h.tokens.Op}` }, body: form });
    expect(res.status).toBe(201);
    expect(h.dagFiles.files.has('hello.yaml')).toBe(true);
  });
});

describe('the API Gateway v2 events it builds', () => {
  it('has the payload 2.0 shape', async () => {
    let seen: APIGatewayProxyEventV2 | undefined;
    const { server, base } = await listen(async (e) => {
      seen = e;
      return { statusCode: 204 };
    });
    try {
      const res = await fetch(`${base}/api/v1/x%20y?b=1&a=2&b=3`, {
        method: 'PATCH',
        headers: { 'X-Custom': 'Value', cookie: 'a=1; b=2', 'content-type': 'application/json', 'user-agent': 'jest-agent' },
        body: '{"é":1}',
      });
      expect(res.status).toBe(204);
      expect(seen).toMatchObject({
        version: '2.0',
        routeKey: '$default',
        rawPath: '/api/v1/x%20y',
        rawQueryString: 'b=1&a=2&b=3',
        cookies: ['a=1', 'b=2'],
        queryStringParameters: { b: '1,3', a: '2' },
        body: '{"é":1}',
        isBase64Encoded: false,
        requestContext: { http: { method: 'PATCH', path: '/api/v1/x y', sourceIp: '127.0.0.1', userAgent: 'jest-agent' }, stage: '$default', routeKey: '$default' },
      });
      expect(seen!.headers['x-custom']).toBe('Value');
      expect(seen!.headers.cookie).toBeUndefined();
      expect(seen!.requestContext.time).toMatch(/^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);

      await fetch(`${base}/bin`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([0, 1, 254, 255]) });
      expect(seen).toMatchObject({ isBase64Encoded: true, body: Buffer.from([0, 1, 254, 255]).toString('base64'), rawQueryString: '' });
      expect(seen!.queryStringParameters).toBeUndefined();
    } finally {
      await close(server);
    }
  });

  it('maps results like API Gateway: simple responses, base64 bodies, cookies, handler failures', async () => {
    let next: APIGatewayProxyResultV2<unknown> = { hello: 'world' };
    const { server, base } = await listen(async () => {
      if (next === 'throw') throw new Error('boom');
      return next;
    });
    try {
      let res = await fetch(`${base}/`);
      expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([200, 'application/json', '{"hello":"world"}']);
      next = 'just text';
      res = await fetch(`${base}/`);
      expect([res.status, await res.text()]).toEqual([200, 'just text']);
      next = { statusCode: 201, headers: { 'X-Thing': 1 }, body: Buffer.from([1, 2, 3]).toString('base64'), isBase64Encoded: true, cookies: ['s=1; HttpOnly', 't=2'] };
      res = await fetch(`${base}/`);
      expect(res.status).toBe(201);
      expect(res.headers.get('x-thing')).toBe('1');
      expect(res.headers.getSetCookie()).toEqual(['s=1; HttpOnly', 't=2']);
      expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([1, 2, 3]);
      next = 'throw';
      res = await fetch(`${base}/`);
      expect(res.status).toBe(500);
    } finally {
      await close(server);
    }
  });
});
