/**
 * Batch writes: several BatchWriteItem calls under way at once, one after another when a key repeats
 * (the later request must win), unprocessed items retried, and on a failure nothing more started and
 * the first error thrown once the calls under way ended. A fake client records the requests.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TableClient } from './table-client.js';

interface Call {
  keys: string[];
}

/** A client answering BatchWriteItem after `delayMs`, failing calls `failOn` says, leaving unprocessed what `unprocessed` says. */
function fakeClient(options: { delayMs?: number; failOn?: (call: Call, index: number) => boolean; unprocessed?: (call: Call, index: number) => Record<string, unknown>[] } = {}) {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let afterFailure = 0;
  let failed = false;
  const client = {
    send: async (command: { input: { RequestItems: Record<string, Record<string, { Item?: { pk: string; sk: string }; Key?: { pk: string; sk: string } }>[]> } }) => {
      const requests = Object.values(command.input.RequestItems)[0]!;
      const call: Call = { keys: requests.map((r) => { const k = r.PutRequest?.Item ?? r.DeleteRequest?.Key; return `${k!.pk}/${k!.sk}`; }) };
      const index = calls.push(call) - 1;
      if (failed) afterFailure++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((done) => setTimeout(done, options.delayMs ?? 5));
      inFlight--;
      if (options.failOn?.(call, index)) {
        failed = true;
        throw Object.assign(new Error(`refused call ${index}`), { name: 'ValidationException' });
      }
      return { UnprocessedItems: { t: options.unprocessed?.(call, index) ?? [] } };
    },
  };
  return { table: new TableClient(client as unknown as DynamoDBDocumentClient, 't'), calls, stats: () => ({ maxInFlight, afterFailure, inFlight }) };
}

const items = (n: number, prefix = 'i') => Array.from({ length: n }, (_, i) => ({ pk: 'p', sk: `${prefix}${i}` }));

describe('batch writes', () => {
  it('writes 25 items per call, several calls at once, every item once', async () => {
    const { table, calls, stats } = fakeClient();
    await table.batchPut(items(230));
    expect(calls.map((c) => c.keys.length)).toEqual([25, 25, 25, 25, 25, 25, 25, 25, 25, 5]);
    expect(new Set(calls.flatMap((c) => c.keys)).size).toBe(230);
    expect(stats().maxInFlight).toBe(4);
  });

  it('writes one call after another when a key repeats, so the later request wins', async () => {
    const { table, calls, stats } = fakeClient();
    await table.batchPut([...items(30), { pk: 'p', sk: 'i3' }, ...items(30, 'j')]);
    expect(stats().maxInFlight).toBe(1);
    expect(calls[0]!.keys).toContain('p/i3');
    expect(calls[1]!.keys).toContain('p/i3');
  });

  it('retries what a call left unprocessed', async () => {
    const { table, calls } = fakeClient({ unprocessed: (call, index) => (index === 0 ? [{ PutRequest: { Item: { pk: 'p', sk: call.keys[0]!.split('/')[1] } } }] : []) });
    await table.batchPut(items(60));
    expect(calls.flatMap((c) => c.keys).filter((k) => k === 'p/i0')).toHaveLength(2);
  });

  it('starts nothing after a failure and throws the first error once the calls under way ended', async () => {
    const { table, calls, stats } = fakeClient({ failOn: (_call, index) => index === 1 || index === 2 });
    await expect(table.batchPut(items(500))).rejects.toThrow(/refused call 1/);
    expect(stats().inFlight).toBe(0);
    // Calls 0-3 were under way together; none started once 1 had failed (20 chunks in all).
    expect(calls.length).toBeLessThan(8);
    expect(stats().afterFailure).toBeLessThanOrEqual(3);
  });
});
