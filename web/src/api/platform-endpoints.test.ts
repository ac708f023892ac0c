import { getEdaReportPage, getEdaSummary, runEdaSource } from './platform-endpoints';

describe('getEdaSummary', () => {
  const summary = { level: 'L0', rows: 1, columns: 1, column_profiles: [{ name: 'url', type: 'text', count: 1, nulls: 0, distinct: 1, top_values: [] }] };
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  let calls: [string, RequestInit | undefined][];
  const answer = (...bodies: Response[]) => {
    calls = [];
    jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      calls.push([String(input), init]);
      return bodies.shift()!;
    });
  };
  afterEach(() => jest.restoreAllMocks());

  it('locally takes the summary the API answers', async () => {
    answer(json(summary));
    expect(await getEdaSummary('orders', 'L0-20240102T000000')).toEqual(summary);
    expect(calls.map(([url]) => url)).toEqual(['/api/v1/edaSources/orders/reports/L0-20240102T000000/summary?redirect=false']);
  });

  it('in AWS reads the presigned link straight from the bucket, without credentials', async () => {
    const url = 'https://data.s3.eu-west-1.amazonaws.com/eda/reports/orders/L0-20240102T000000/summary.json?X-Amz-Signature=abc';
    answer(json({ url, expires_in: 300 }), json(summary));
    expect(await getEdaSummary('orders', 'L0-20240102T000000')).toEqual(summary);
    expect(calls[1]).toEqual([url, { credentials: 'omit' }]);
  });

  it('says when the bucket refuses the link', async () => {
    answer(json({ url: 'https://data.s3.amazonaws.com/x?X-Amz-Signature=abc', expires_in: 300 }), new Response('<Error/>', { status: 403 }));
    await expect(getEdaSummary('orders', 'L0-20240102T000000')).rejects.toThrow("the report's summary could not be read from the bucket (HTTP 403)");
  });
});

describe('getEdaReportPage', () => {
  afterEach(() => jest.restoreAllMocks());
  const answer = (body: string, type: string) => {
    const calls: string[] = [];
    jest.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      calls.push(String(input));
      return new Response(body, { status: 200, headers: { 'content-type': type } });
    });
    return calls;
  };

  it('locally takes the page the API renders', async () => {
    const calls = answer('<!doctype html><h1>EDA L0-20240102T000000 of orders</h1>', 'text/html; charset=utf-8');
    expect(await getEdaReportPage('orders', 'L0-20240102T000000')).toEqual({ html: '<!doctype html><h1>EDA L0-20240102T000000 of orders</h1>' });
    expect(calls).toEqual(['/api/v1/edaSources/orders/reports/L0-20240102T000000/html?redirect=false']);
  });

  it('in AWS takes the presigned link to the page in the bucket', async () => {
    const url = 'https://data.s3.eu-west-1.amazonaws.com/eda/reports/orders/L0-20240102T000000/report.html?X-Amz-Signature=abc';
    answer(JSON.stringify({ url, expires_in: 300 }), 'application/json');
    expect(await getEdaReportPage('orders', 'L0-20240102T000000')).toEqual({ url });
  });
});

describe('runEdaSource', () => {
  afterEach(() => jest.restoreAllMocks());

  it('names the config group only when one is picked, and takes a 202 deploying as an answer', async () => {
    const bodies: unknown[] = [];
    jest.spyOn(globalThis, 'fetch').mockImplementation(async (_input, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return new Response(JSON.stringify({ dag_id: 'eda__orders__L1', dag_run_id: 'eda__20240102T000000', report_id: 'L1-20240102T000000', state: 'deploying' }), { status: 202, headers: { 'content-type': 'application/json' } });
    });
    expect((await runEdaSource('orders', 'L1', 'emr')).state).toBe('deploying');
    await runEdaSource('orders', 'L0');
    expect(bodies).toEqual([{ level: 'L1', config_group: 'emr' }, { level: 'L0' }]);
  });
});
