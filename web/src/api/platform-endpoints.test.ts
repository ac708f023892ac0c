import { getEdaSummary } from './platform-endpoints';

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
