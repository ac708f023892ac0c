import { DynamoDBClient, ListTablesCommand, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { Readable } from 'node:stream';
import { SDK_LOGGER } from './sdk-logger.js';

/** A client answering every request with `{}` (no network), whose calls report whether the SDK built its log copy of the input. */
function clientWith(logger: DynamoDBClientConfig['logger']): { client: DynamoDBClient; copies: () => number } {
  let copies = 0;
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    logger,
    requestHandler: { handle: async () => ({ response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from('{}')]) } }) },
  });
  // Inside the logger middleware: what it would filter for its log is counted.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const filter = context.inputFilterSensitiveLog as (input: unknown) => unknown;
      context.inputFilterSensitiveLog = (input: unknown) => {
        copies++;
        return filter(input);
      };
      return result;
    },
    { step: 'initialize', name: 'countLogCopies', priority: 'low' },
  );
  return { client, copies: () => copies };
}

describe('the AWS SDK clients’ logger', () => {
  it('makes the SDK skip its filtered copy of every request for the log, which the default no-op logger still gets built', async () => {
    const quiet = clientWith(SDK_LOGGER);
    await expect(quiet.client.send(new ListTablesCommand({ Limit: 5 }))).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect(quiet.copies()).toBe(0);

    const noop = clientWith({ debug() {}, info() {}, warn() {}, error() {} });
    await noop.client.send(new ListTablesCommand({ Limit: 5 }));
    expect(noop.copies()).toBe(1);
  });
});
