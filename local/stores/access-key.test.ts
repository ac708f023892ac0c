/** The embedded store answers only this platform's own client, not any process on the machine. */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startEmbeddedDynamoDB } from './embedded-dynamodb.js';

describe('embedded store access', () => {
  it('refuses clients that do not sign with the key generated at start, as a task would be', async () => {
    const db = await startEmbeddedDynamoDB();
    const client = (accessKeyId: string) => new DynamoDBClient({ endpoint: db.endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'x' }, maxAttempts: 1 });
    const stranger = client('skydag-local');
    const owner = new DynamoDBClient({ endpoint: db.endpoint, region: 'us-east-1', credentials: db.credentials, maxAttempts: 1 });
    try {
      await expect(stranger.send(new ListTablesCommand({}))).rejects.toThrow(/security token included in the request is invalid/);
      const unsigned = await fetch(db.endpoint, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
      expect(unsigned.status).toBe(400);
      expect((await owner.send(new ListTablesCommand({}))).TableNames).toEqual(['skydag']);
      const other = await startEmbeddedDynamoDB();
      await other.close();
      expect(other.credentials.accessKeyId).not.toBe(db.credentials.accessKeyId); // fresh per start, never a constant
    } finally {
      stranger.destroy();
      owner.destroy();
      await db.close();
    }
  });
});
