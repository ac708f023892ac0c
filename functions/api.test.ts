/** The Lambda entry: a middy handler over the same API, built once per container by the composition root. */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { createHarness } from '../shared/api/test-support.js';
import { configureApi, createApiHandler, handler } from './api.js';

const event = (rawPath: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: '$default',
  rawPath,
  rawQueryString: '',
  headers,
  isBase64Encoded: false,
  requestContext: {
    accountId: '1',
    apiId: 'a',
    domainName: 'd',
    domainPrefix: 'd',
    http: { method: 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'ua' },
    requestId: 'r',
    routeKey: '$default',
    stage: '$default',
    time: '',
    timeEpoch: 0,
  },
});

const context = {} as Context;

describe('functions/api', () => {
  it('serves the API through middy', async () => {
    const h = await createHarness();
    const lambda = createApiHandler(() => h.api);
    const res = await lambda(event('/api/v1/dags', { Authorization: `Bearer ${h.tokens.Viewer}` }), context);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!).total_entries).toBe(1);
    expect((await lambda(event('/api/v1/dags'), context)).statusCode).toBe(401);
  });

  it('builds the configured API once and retries a failed cold start', async () => {
    // Without its environment, the cloud wiring names what is missing.
    await expect(handler(event('/api/v1/version'), context)).rejects.toThrow(/SKYDAG_TABLE_NAME is not set/);
    const h = await createHarness();
    let builds = 0;
    configureApi(async () => {
      builds += 1;
      if (builds === 1) throw new Error('store not reachable');
      return h.api;
    });
    await expect(handler(event('/api/v1/version'), context)).rejects.toThrow('store not reachable');
    expect((await handler(event('/api/v1/version'), context)).statusCode).toBe(200);
    expect((await handler(event('/api/v1/health'), context)).statusCode).toBe(200);
    expect(builds).toBe(2);
  });
});
