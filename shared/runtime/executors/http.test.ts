import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PyValue } from '../../model/schema.js';
import { baseUrlFromConnection, createHttpSensor, formEncode, httpExecutor, urlFromEndpoint } from './http.js';
import { FakeClock, makeRequest, makeTask, sensorSettings } from './test-request.js';
import type { Connection } from './types.js';
import { TaskFailedError, TaskNotRunnableError, TaskTimeoutError } from './types.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let port: number;
const seen: Seen[] = [];
let flakyMisses = 0;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const path = (req.url ?? '').split('?')[0];
      if (path === '/api/items') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, body }));
      } else if (path === '/api/fail') {
        res.writeHead(500);
        res.end('boom');
      } else if (path === '/api/forbidden') {
        res.writeHead(403);
        res.end('no');
      } else if (path === '/api/flaky') {
        if (flakyMisses > 0) {
          flakyMisses--;
          res.writeHead(404);
          res.end('not yet');
        } else {
          res.writeHead(200);
          res.end('ready');
        }
      } else if (path === '/api/redirect') {
        res.writeHead(302, { location: '/api/items' });
        res.end();
      } else if (path === '/api/slow') {
        // never answers (until the server closes)
      } else {
        res.writeHead(404);
        res.end('nothing here');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
});

function conn(over: Partial<Connection> = {}): Record<string, Partial<Connection>> {
  return { http_default: { host: '127.0.0.1', port, schema: 'http', ...over } };
}

function opRequest(args: Record<string, PyValue>, connections = conn(), signal?: AbortSignal) {
  return makeRequest({ task: makeTask({ task_id: 'call_api', operator: 'SimpleHttpOperator', operator_kind: 'http', args }), connections, signal });
}

describe('HttpHook URL building', () => {
  it('builds the base URL from the connection', () => {
    expect(baseUrlFromConnection({ host: 'api.example.com', schema: null, port: null })).toBe('http://api.example.com');
    expect(baseUrlFromConnection({ host: 'api.example.com', schema: 'https', port: 8443 })).toBe('https://api.example.com:8443');
    expect(baseUrlFromConnection({ host: 'https://api.example.com/v1', schema: 'http', port: null })).toBe('https://api.example.com/v1');
  });

  it('joins the endpoint with exactly one slash when neither side has one', () => {
    expect(urlFromEndpoint('http://h', 'a/b')).toBe('http://h/a/b');
    expect(urlFromEndpoint('http://h/', 'a')).toBe('http://h/a');
    expect(urlFromEndpoint('http://h', '/a')).toBe('http://h/a');
    expect(urlFromEndpoint('http://h/', '/a')).toBe('http://h//a'); // as Airflow does
    expect(urlFromEndpoint('', 'http://other/x')).toBe('http://other/x');
  });

  it('form-encodes like requests (None dropped, lists repeat the key)', () => {
    expect(formEncode({ a: 1, b: 'x y', c: null, d: ['p', 'q'], e: true })).toBe('a=1&b=x+y&d=p&d=q&e=True');
  });
});

describe('SimpleHttpOperator', () => {
  it('GETs with data as query parameters and returns the response text', async () => {
    const req = opRequest({ endpoint: 'api/items', method: 'GET', data: { day: '2024-01-01', n: 5 } });
    await expect(httpExecutor(req)).resolves.toEqual({ outcome: 'success', returnValue: '{"method":"GET","body":""}' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.url).toBe('/api/items?day=2024-01-01&n=5');
  });

  it('POSTs a dict as JSON when the Content-Type says so', async () => {
    const req = opRequest({ endpoint: '/api/items', data: { name: 'rocket', tags: ['a'] }, headers: { 'Content-Type': 'application/json' } });
    const out = await httpExecutor(req);
    expect(out.returnValue).toBe(JSON.stringify({ method: 'POST', body: '{"name":"rocket","tags":["a"]}' }));
    expect(seen[0]!.headers['content-type']).toBe('application/json');
  });

  it('POSTs a dict form-encoded otherwise (requests’ data=dict), and a string as is', async () => {
    await httpExecutor(opRequest({ endpoint: 'api/items', data: { a: '1', b: '2' } }));
    expect(seen[0]!.body).toBe('a=1&b=2');
    expect(seen[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    await httpExecutor(opRequest({ endpoint: 'api/items', method: 'PUT', data: '{"raw": true}' }));
    expect(seen[1]!.method).toBe('PUT');
    expect(seen[1]!.body).toBe('{"raw": true}');
  });

  it('sends basic auth from the connection login, extra headers, and operator headers that win', async () => {
    const connections = conn({ login: 'airflow', password: 'pw', extra: { 'X-Api-Key': 'from-conn', 'X-Env': 'dev', timeout: 30 } });
    const req = opRequest({ endpoint: 'api/items', method: 'GET', headers: { 'X-Env': 'prod' } }, connections);
    await httpExecutor(req);
    const h = seen[0]!.headers;
    expect(h.authorization).toBe(`Basic ${Buffer.from('airflow:pw').toString('base64')}`);
    expect(h['x-api-key']).toBe('from-conn');
    expect(h['x-env']).toBe('prod');
    expect(h.timeout).toBeUndefined(); // session options are not headers
    const logged = req.log.infos().join('\n');
    expect(logged).not.toContain('pw');
    expect(logged).not.toContain('from-conn');
  });

  it('logs the response only with log_response', async () => {
    const quiet = opRequest({ endpoint: 'api/items', method: 'GET' });
    await httpExecutor(quiet);
    expect(quiet.log.infos()).toEqual(['Calling HTTP method']);
    const loud = opRequest({ endpoint: 'api/items', method: 'GET', log_response: true });
    await httpExecutor(loud);
    expect(loud.log.infos()).toEqual(['Calling HTTP method', '{"method":"GET","body":""}']);
  });

  it('fails with <code>:<reason> on an error status, logging the body', async () => {
    const req = opRequest({ endpoint: 'api/fail', method: 'GET' });
    await expect(httpExecutor(req)).rejects.toThrow(new TaskFailedError('500:Internal Server Error'));
    expect(req.log.infos()).toEqual(['Calling HTTP method', 'HTTP error: Internal Server Error', 'boom']);
    await expect(httpExecutor(opRequest({ endpoint: 'api/nothing', method: 'GET' }))).rejects.toThrow('404:Not Found');
  });

  it('does not check the status with extra_options check_response=False', async () => {
    await expect(httpExecutor(opRequest({ endpoint: 'api/fail', method: 'GET', extra_options: { check_response: false } }))).resolves.toEqual({
      outcome: 'success',
      returnValue: 'boom',
    });
  });

  it('follows redirects unless allow_redirects=False', async () => {
    await expect(httpExecutor(opRequest({ endpoint: 'api/redirect', method: 'GET' }))).resolves.toMatchObject({ returnValue: '{"method":"GET","body":""}' });
    await expect(httpExecutor(opRequest({ endpoint: 'api/redirect', method: 'GET', extra_options: { allow_redirects: false } }))).resolves.toEqual({
      outcome: 'success',
      returnValue: '',
    });
  });

  it('times out with extra_options timeout, and stops with TaskTimeoutError on abort', async () => {
    await expect(httpExecutor(opRequest({ endpoint: 'api/slow', method: 'GET', extra_options: { timeout: 0.2 } }))).rejects.toThrow(
      new TaskFailedError(`HTTP GET http://127.0.0.1:${port}/api/slow timed out after 0.2 seconds`),
    );
    const controller = new AbortController();
    const running = httpExecutor(opRequest({ endpoint: 'api/slow', method: 'GET' }, conn(), controller.signal));
    setTimeout(() => controller.abort(new TaskTimeoutError('execution_timeout exceeded')), 50);
    await expect(running).rejects.toThrow(new TaskTimeoutError('execution_timeout exceeded'));
  });

  it('fails clearly when the connection is missing or the server refuses', async () => {
    await expect(httpExecutor(opRequest({ endpoint: 'x' }, {}))).rejects.toThrow(new TaskFailedError("The conn_id `http_default` isn't defined"));
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(httpExecutor(opRequest({ endpoint: 'x', method: 'GET' }, conn({ port: deadPort })))).rejects.toThrow(
      new TaskFailedError(`HTTP GET http://127.0.0.1:${deadPort}/x failed: ECONNREFUSED`),
    );
  });

  it('rejects Python callables (response_check, response_filter) with a hint', async () => {
    const check = { $type: 'callable' as const, name: 'is_ok', file: 'dag.py', line: 4 };
    await expect(httpExecutor(opRequest({ endpoint: 'api/items', response_check: check }))).rejects.toBeInstanceOf(TaskNotRunnableError);
    await expect(httpExecutor(opRequest({ endpoint: 'api/items', response_filter: check }))).rejects.toThrow(
      "SimpleHttpOperator 'call_api': response_filter ('is_ok') is a Python callable",
    );
    expect(seen).toHaveLength(0);
  });

  it('pushes no XCom when do_xcom_push is false', async () => {
    const req = makeRequest({
      task: makeTask({ operator: 'HttpOperator', operator_kind: 'http', do_xcom_push: false, args: { endpoint: 'api/items', method: 'GET' } }),
      connections: conn(),
    });
    await expect(httpExecutor(req)).resolves.toEqual({ outcome: 'success' });
  });
});

describe('HttpSensor', () => {
  function sensorRequest(args: Record<string, PyValue>, clock: FakeClock, timeout = 600) {
    return makeRequest({
      task: makeTask({
        task_id: 'api_ready',
        operator: 'HttpSensor',
        operator_kind: 'http_sensor',
        args,
        sensor: sensorSettings({ poke_interval_seconds: 5, timeout_seconds: timeout }),
      }),
      connections: conn(),
      now: clock.now,
    });
  }

  it('treats 404 as "not yet" and succeeds on 200', async () => {
    flakyMisses = 2;
    const clock = new FakeClock();
    const req = sensorRequest({ endpoint: 'api/flaky', request_params: { q: '1' } }, clock);
    await expect(createHttpSensor({ sleep: clock.sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(clock.sleeps).toEqual([5, 5]);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(Array(3).fill('GET /api/flaky?q=1'));
    expect(req.log.infos().filter((l) => l.startsWith('Poking'))).toEqual(Array(3).fill('Poking: api/flaky'));
  });

  it('fails at once on other error codes', async () => {
    const clock = new FakeClock();
    await expect(createHttpSensor({ sleep: clock.sleep })(sensorRequest({ endpoint: 'api/forbidden' }, clock))).rejects.toThrow(
      new TaskFailedError('403:Forbidden'),
    );
    expect(clock.sleeps).toEqual([]);
  });

  it('honours response_error_codes_allowlist', async () => {
    const clock = new FakeClock();
    const req = sensorRequest({ endpoint: 'api/forbidden', response_error_codes_allowlist: ['403'] }, clock, 10);
    await expect(createHttpSensor({ sleep: clock.sleep })(req)).rejects.toThrow('Sensor has timed out');
  });

  it('rejects response_check (a Python callable) before poking', async () => {
    const clock = new FakeClock();
    const req = sensorRequest({ endpoint: 'api/items', response_check: { $type: 'callable', name: 'has_rows', file: 'dag.py', line: 2 } }, clock);
    await expect(createHttpSensor({ sleep: clock.sleep })(req)).rejects.toBeInstanceOf(TaskNotRunnableError);
    expect(seen).toHaveLength(0);
  });
});
