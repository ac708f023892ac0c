/** The OpenAPI document: generated from the route table (every route, its parameters and schemas), served and rendered. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { jsonResponse } from './http.js';
import { OpenApiConformance } from './openapi-conformance.js';
import { buildRouter } from './router.js';
import { ROUTES } from './routes/index.js';
import { call, createHarness } from './test-support.js';

describe('GET /api/v1/openapi.json', () => {
  it('is public and describes every route of the table, once, with its parameters, body and access', async () => {
    const h = await createHarness();
    const res = await call(h, 'GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.json;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('0.1.0-test');
    const operations = Object.entries(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    expect(operations.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path} ${r.id}`).sort());
    expect(new Set(ROUTES.map((r) => r.id)).size).toBe(ROUTES.length); // operationIds are unique

    const listRuns = doc.paths['/api/v1/dags/{dag_id}/dagRuns'].get;
    expect(listRuns.parameters).toEqual(expect.arrayContaining([{ name: 'dag_id', in: 'path', required: true, schema: { type: 'string' } }, expect.objectContaining({ name: 'limit', in: 'query', required: false })]));
    expect(listRuns.security).toEqual([{ bearerAuth: [] }, { basicAuth: [] }]);
    expect(listRuns['x-skydag-dag-scope']).toBe('param:dag_id');
    const patch = doc.paths['/api/v1/dags/{dag_id}'].patch;
    expect(patch.requestBody.content['application/json'].schema).toEqual({ type: 'object', properties: { is_paused: { type: 'boolean' } }, required: ['is_paused'], additionalProperties: false });
    expect(patch.responses['2XX'].content['application/json'].schema.properties.next_dagrun).toEqual({ type: ['string', 'null'], format: 'date-time' });
    expect(patch.responses.default.content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(doc.paths['/api/v1/health'].get.security).toEqual([]);
    expect(JSON.stringify(doc)).not.toContain('"maxBytes"'); // skydag's keyword becomes an x- extension
  });

  it('holds only valid JSON Schema 2020-12 (what OpenAPI 3.1 uses) in its schemas', async () => {
    const h = await createHarness();
    const doc = (await call(h, 'GET', '/api/v1/openapi.json')).json;
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ $id: 'doc', components: doc.components });
    for (const methods of Object.values(doc.paths as Record<string, Record<string, Record<string, unknown>>>)) {
      for (const op of Object.values(methods)) {
        const schemas = JSON.stringify(op).match(/"schema":/g)?.length ?? 0;
        expect(schemas).toBeGreaterThan(0);
        expect(() => ajv.compile(JSON.parse(JSON.stringify(op).replace(/"#\/components/g, '"doc#/components')))).not.toThrow();
      }
    }
  });
});

describe('GET /api/v1/ui', () => {
  it('is a plain HTML reference of every operation, with no script and nothing fetched from elsewhere', async () => {
    const h = await createHarness();
    const res = await call(h, 'GET', '/api/v1/ui');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const route of ROUTES) expect(res.text).toContain(`id="${route.id}"`);
    expect(res.text).not.toMatch(/<script|https?:\/\//i);
    expect(res.text).toContain('<a href="openapi.json">');
  });
});

describe('OpenApiConformance (what test-support `call` runs on every API test response)', () => {
  const checker = new OpenApiConformance(buildRouter());
  it('accepts a response that fits the declared schema and refuses one that does not', () => {
    const dag = { dag_id: 'etl', is_paused: false, is_active: true, fileloc: 'etl.py', file_token: 'x', owners: [], tags: [], next_dagrun: null, has_import_errors: false };
    expect(checker.problemOf('GET', '/api/v1/dags/etl', jsonResponse(200, dag))).toBeUndefined();
    expect(checker.problemOf('GET', '/api/v1/dags/etl', jsonResponse(200, { ...dag, is_paused: 'no' }))).toMatch(/GET \/api\/v1\/dags\/etl answered 200 not as its OpenAPI document says: .*is_paused must be boolean/);
    expect(checker.problemOf('GET', '/api/v1/dags/etl', jsonResponse(404, { title: 'DAG not found' }))).toMatch(/answered 404 as application\/json, which the document does not declare/);
    const problem = { ...jsonResponse(404, { title: 'DAG not found' }), headers: { 'content-type': 'application/problem+json' } };
    expect(checker.problemOf('GET', '/api/v1/dags/etl', problem)).toMatch(/must have required property 'type'/);
  });
});
