/**
 * Input limits, replayed against the local platform (the real API over HTTP, the embedded DynamoDB
 * store): oversized values, unsafe numbers, deep JSON, big and malformed bodies are 4xx, never 500;
 * nothing is written; every refusal is audited without its body. Then random requests to every route.
 */
import fc from 'fast-check';
import { DEFAULT_MAX_BODY_BYTES, MAX_JSON_DEPTH, STORED_VALUE_LIMITS } from '../../shared/api/limits.js';
import type { Route } from '../../shared/api/route.js';
import { request } from '../../shared/api/test-support.js';
import { LivePlatform, bashDag, type Json } from './platform-client.js';

const DAG = 'limits_dag';
const RUNS = `/api/v1/dags/${DAG}/dagRuns`;

let live: LivePlatform;
beforeAll(async () => {
  live = await LivePlatform.start({ 'limits_dag.py': bashDag(DAG) });
}, 60_000);
afterAll(async () => {
  await live?.close();
});

/** The newest audit entry: the refusal, recorded without the body. */
async function expectRefusalAudited(event: string, status: number, detail: RegExp): Promise<void> {
  const [entry] = await live.audit(1);
  expect(entry).toMatchObject({ event, owner: 'admin', extra: { status, refused: expect.stringMatching(detail) } });
  expect(entry.extra.body).toBeUndefined();
}

describe('values too large for their store item', () => {
  it('a conf over 256 KiB is a 413 naming the field and the limit; nothing is created; the refusal is audited', async () => {
    const conf = { blob: 'x'.repeat(STORED_VALUE_LIMITS.conf) };
    const res = await live.call('POST', RUNS, { dag_run_id: 'too_big', conf });
    expect(res.status).toBe(413);
    expect(res.json.detail).toMatch(/^field 'conf' is 262,15\d bytes; the limit is 262,144 bytes \(256 KiB\) \(.*DynamoDB's item limit is 400 KB\)$/);
    expect((await live.call('GET', `${RUNS}/too_big`)).status).toBe(404);
    await expectRefusalAudited('trigger', 413, /field 'conf'/);
  });

  it('a conf just under the limit, with the longest run id and note, fits the store', async () => {
    const runId = `r${'x'.repeat(249)}`;
    const conf = { blob: 'x'.repeat(STORED_VALUE_LIMITS.conf - 20) };
    const res = await live.call('POST', RUNS, { dag_run_id: runId, conf, note: 'n'.repeat(1000), logical_date: '2024-02-02T00:00:00Z' });
    expect(res.status).toBe(200);
    expect((await live.call('GET', `${RUNS}/${runId}`)).json.conf.blob).toHaveLength(STORED_VALUE_LIMITS.conf - 20);
  });

  it('variable values and connection fields over their limits are 413; at their limits they fit (encrypted)', async () => {
    const over = await live.call('POST', '/api/v1/variables', { key: 'big', value: 'v'.repeat(STORED_VALUE_LIMITS.variableValue + 1) });
    expect(over.status).toBe(413);
    expect(over.json.detail).toMatch(/^field 'value' is 262,145 bytes; the limit is 262,144 bytes/);
    await expectRefusalAudited('variable.create', 413, /field 'value'/);
    expect((await live.call('GET', '/api/v1/variables/big')).status).toBe(404);
    const multibyte = 'é'.repeat(STORED_VALUE_LIMITS.variableValue / 2); // 2 bytes each: exactly the limit
    expect((await live.call('POST', '/api/v1/variables', { key: 'big', value: multibyte, description: 'd'.repeat(STORED_VALUE_LIMITS.text) })).status).toBe(200);
    expect((await live.call('POST', '/api/v1/variables', { key: 'big2', value: `${multibyte}é` })).status).toBe(413);

    const jsonOfBytes = (bytes: number) => `{"k":"${'e'.repeat(bytes - 8)}"}`;
    const conn = { connection_id: 'big_conn', conn_type: 'http', extra: jsonOfBytes(STORED_VALUE_LIMITS.connectionExtra), password: 'p'.repeat(STORED_VALUE_LIMITS.connectionPassword) };
    for (const field of ['host', 'login', 'schema', 'description']) Object.assign(conn, { [field]: 'h'.repeat(STORED_VALUE_LIMITS.text) });
    expect((await live.call('POST', '/api/v1/connections', conn)).status).toBe(200);
    const tooMuch = await live.call('POST', '/api/v1/connections', { ...conn, connection_id: 'c2', extra: jsonOfBytes(STORED_VALUE_LIMITS.connectionExtra + 1) });
    expect(tooMuch.status).toBe(413);
    expect(tooMuch.json.detail).toMatch(/field 'extra' is 131,073 bytes; the limit is 131,072 bytes \(128 KiB\)/);
  });

  it('a size error together with another error is a 400 listing both', async () => {
    const res = await live.call('POST', '/api/v1/variables', { key: '', value: 'v'.repeat(STORED_VALUE_LIMITS.variableValue + 1) });
    expect(res.status).toBe(400);
    expect(res.json.errors.map((e: Json) => e.field).sort()).toEqual(['key', 'value']);
  });
});

describe('numbers outside safe ranges', () => {
  it('integers beyond 2^53 - 1, huge floats and fractions where integers are expected are 400', async () => {
    const cases: [string, string, string | undefined, RegExp][] = [
      ['POST', '/api/v1/pools', '{"name": "p1", "slots": 1e300}', /field 'slots' must be <= 9007199254740991/],
      ['POST', '/api/v1/pools', '{"name": "p1", "slots": 9007199254740993}', /integer at character 24 outside ±9007199254740991 .*send it as a string/],
      ['POST', '/api/v1/pools', '{"name": "p1", "slots": 1.5}', /field 'slots' must be integer/],
      ['POST', RUNS, '{"conf": {"n": 1e400}}', /number at character 15 that is too large to represent/],
      ['POST', RUNS, '{"conf": {"id": -12345678901234567890}}', /integer at character 16 outside/],
      ['GET', '/api/v1/dags?limit=1e20', undefined, /query parameter 'limit' must be <= 9007199254740991/],
      ['GET', '/api/v1/dags?offset=9007199254740993', undefined, /query parameter 'offset' must be <= 9007199254740991/],
      ['GET', '/api/v1/dags?offset=1.5', undefined, /query parameter 'offset' must be integer/],
      ['GET', '/api/v1/eventLogs?limit=-1', undefined, /Page limit must be a positive integer/],
    ];
    for (const [method, path, body, detail] of cases) {
      const res = await live.call(method, path, body);
      expect({ path, body, status: res.status, detail: res.json?.detail }).toEqual({ path, body, status: 400, detail: expect.stringMatching(detail) });
    }
    expect((await live.call('GET', '/api/v1/pools/p1')).status).toBe(404);
    await expectRefusalAudited('trigger', 400, /integer at character 16/);
    // The refusal names where, never what: the number may be a secret.
    expect(JSON.stringify(await live.audit(1))).not.toContain('12345678901234567890');
  });
});

describe('bodies: depth, size, syntax', () => {
  it(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is a 400, however deep (no stack overflow), and audited`, async () => {
    const nest = (depth: number) => `{"conf": ${'{"a": '.repeat(depth - 1)}1${'}'.repeat(depth - 1)}}`;
    expect((await live.call('POST', RUNS, nest(MAX_JSON_DEPTH))).status).toBe(200);
    for (const depth of [MAX_JSON_DEPTH + 1, 5000]) {
      const res = await live.call('POST', RUNS, nest(depth));
      expect(res.status).toBe(400);
      expect(res.json.detail).toMatch(/^request body nests arrays\/objects deeper than 64 levels \(at character \d+\)$/);
      await expectRefusalAudited('trigger', 400, /deeper than 64 levels/);
    }
    const arrays = await live.call('POST', RUNS, `{"conf": {"a": ${'['.repeat(200_000)}${']'.repeat(200_000)}}}`);
    expect(arrays.status).toBe(400);
  });

  it('a body over the route limit is a 413 naming the limit, audited; over the transport limit the gateway refuses it', async () => {
    const padded = JSON.stringify({ key: 'k', value: 'v', description: ' '.repeat(DEFAULT_MAX_BODY_BYTES) });
    const res = await live.call('POST', '/api/v1/variables', padded);
    expect(res.status).toBe(413);
    expect(res.json.detail).toBe(`the request body is ${Buffer.byteLength(padded).toLocaleString('en-US')} bytes; POST /api/v1/variables takes at most 1,048,576 bytes (1 MiB)`);
    await expectRefusalAudited('variable.create', 413, /takes at most 1,048,576 bytes/);
    // Above API Gateway's / Lambda's payload limit (mirrored by the local adapter) nothing reaches the API.
    expect((await live.call('POST', '/api/v1/variables', Buffer.alloc(7 * 1024 * 1024, 0x20))).status).toBe(413);
    // DAG file uploads take larger bodies (up to their own limit).
    const upload = await live.call('POST', '/api/v1/dagFiles', { filename: 'padded.py', content: `${bashDag('padded_dag')}#${'-'.repeat(2 * 1024 * 1024 - 400)}\n` });
    expect(upload.status).toBe(201);
  });

  it('malformed JSON is a 400 that echoes nothing and is audited without the body', async () => {
    const res = await live.call('POST', '/api/v1/variables', '{"key": "k", "value": "hunter2-secret" oops');
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('hunter2');
    await expectRefusalAudited('variable.create', 400, /not valid JSON/);
    expect(JSON.stringify(await live.audit(1))).not.toContain('hunter2');
  });

  it('a route whose fields are all optional reads no body as {}', async () => {
    const res = await live.call('POST', RUNS, '');
    expect(res.status).toBe(200);
    expect(res.json.conf).toEqual({});
  });
});

describe('fuzz: random requests to every route', () => {
  it('never answer 500, and the server stays healthy', async () => {
    const api = live.platform.api;
    const admin = (await live.platform.store.getUser('admin'))!;
    const token = (await api.deps.tokens.issue('admin', admin.changed_on)).access_token;
    await live.call('POST', RUNS, { dag_run_id: 'fuzz_run', logical_date: '2023-01-01T00:00:00Z' });
    const routes = api.router.routes;
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 10 }), fc.constantFrom('~', '..', '%', '-1', '0', '1e400', '9007199254740993'));
    const known: Record<string, string[]> = {
      dag_id: [DAG, '~'],
      dag_run_id: ['fuzz_run', '~'],
      task_id: ['say', '~'],
      task_try_number: ['1', '0', '99999999999999999999'],
      variable_key: ['big'],
      connection_id: ['big_conn'],
      pool_name: ['default_pool'],
    };
    // Never the admin's own user: the fuzz must keep its credentials.
    const param = (name: string) =>
      name === 'username' ? text.filter((u) => u !== 'admin') : fc.oneof({ arbitrary: fc.constantFrom(...(known[name] ?? ['x'])), weight: 3 }, { arbitrary: text, weight: 1 });
    // Values JSON.parse accepts but nothing downstream should have to survive: deep nesting, numbers past a double or 2^53.
    const hostile = fc.oneof(
      fc.tuple(fc.integer({ min: 60, max: 20_000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) => `${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`),
      fc.constantFrom('1e400', '-1e400', '18446744073709551616', '9007199254740993', '1e-400', '-0'),
    );
    const bodyOf = (route: Route) => {
      const fields = route.body && route.body !== 'raw' ? Object.keys(route.body.properties ?? {}) : ['filename', 'content'];
      const field = fc.constantFrom(...fields, 'extra');
      return fc.oneof(
        fc.json({ maxDepth: 4 }),
        { arbitrary: fc.dictionary(field, fc.jsonValue({ maxDepth: 3 })).map((o) => JSON.stringify(o)), weight: 2 },
        { arbitrary: fc.tuple(field, hostile).map(([name, value]) => `{${JSON.stringify(name)}: ${value}}`), weight: 2 },
        fc.string({ maxLength: 50 }),
        fc.constant(''),
      );
    };
    const requestFor = (index: number) => {
      const route = routes[index]!;
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      const queryNames = Object.keys(route.query?.properties ?? {});
      return fc.record({
        index: fc.constant(index),
        params: fc.tuple(...names.map(param)),
        query: fc.dictionary(fc.constantFrom('x', ...queryNames), text, { maxKeys: 3 }),
        body: bodyOf(route),
      });
    };
    const send = async ({ index, params, query, body }: { index: number; params: string[]; query: Record<string, string>; body: string }) => {
      const route = routes[index]!;
      let i = 0;
      const path = route.path.replace(/\{\w+\}/g, () => encodeURIComponent(params[i++]!));
      const qs = new URLSearchParams(Object.entries(query)).toString();
      const response = await api.handle(request(route.method, qs ? `${path}?${qs}` : path, { token, rawBody: body, headers: { 'content-type': 'application/json' } }));
      if (response.status >= 500) throw new Error(`${route.method} ${path}?${qs} with ${JSON.stringify(body).slice(0, 300)} answered ${response.status}: ${String(response.body).slice(0, 300)}`);
    };
    // Every route gets its share of requests.
    for (let index = 0; index < routes.length; index++) await fc.assert(fc.asyncProperty(requestFor(index), send), { numRuns: 15 });
    expect((await live.call('GET', '/api/v1/health')).status).toBe(200);
  }, 180_000);
});
