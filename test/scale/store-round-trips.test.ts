/**
 * Store round trips per task on the happy path (issue 13: ≤ 8): a chain of bash tasks through the
 * compiled state machine, the handlers and the DynamoDB adapter on dynalite, counting every request
 * the adapter sends. The marginal cost of a task (a chain of 11 against a chain of 1) is what a task
 * adds; the run's own creation and finalization are paid once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRuntime } from '../../local/engine/local-runtime.js';
import type { Dag, Task } from '../../shared/model/schema.js';
import { createDocumentClient, createMetadataTable, DynamoMetadataStore } from '../../shared/stores/dynamodb/index.js';
import { sdkClient, startDynalite, type DynaliteServer } from '../contracts/dynamo-harness.js';
import { makeDag, makeTask } from '../helpers/model.js';

let server: DynaliteServer;
beforeAll(async () => {
  server = await startDynalite();
});
afterAll(async () => server.stop());

const bash = (taskId: string): Task => ({
  ...makeTask(taskId, { email_on_failure: false, email_on_retry: false }),
  operator: 'BashOperator',
  operator_kind: 'bash',
  args: { bash_command: 'echo done' },
});

function chain(length: number): Dag {
  const tasks = Array.from({ length }, (_, i) => bash(`t${i}`));
  return makeDag(`chain_${length}`, tasks, tasks.slice(1).map((t, i): [string, string] => [`t${i}`, t.task_id]));
}

/** Runs `dag` on a fresh table; returns the requests the adapter sent by command name, and the run's state. */
async function countRequests(dag: Dag, table: string): Promise<{ total: number; byCommand: Record<string, number>; state: string }> {
  const raw = sdkClient(server.endpoint);
  await createMetadataTable(raw, table, { pollMs: 5 });
  const client = createDocumentClient(raw);
  const byCommand: Record<string, number> = {};
  let total = 0;
  const send = client.send.bind(client);
  client.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
    total++;
    byCommand[command.constructor.name] = (byCommand[command.constructor.name] ?? 0) + 1;
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.send;
  const home = mkdtempSync(join(tmpdir(), 'skydag-round-trips-'));
  const runtime = new LocalRuntime({
    dagsFolder: home,
    logsDir: join(home, 'logs'),
    store: new DynamoMetadataStore({ client, tableName: table }),
    render: async (request) => request.task.args,
    executorFor: () => async () => ({ outcome: 'success' }),
  });
  try {
    runtime.register(dag);
    const outcome = await runtime.runDag(dag.dag_id, { logicalDate: new Date('2024-01-02T00:00:00Z') });
    return { total, byCommand, state: outcome.run.state };
  } finally {
    runtime.close();
    raw.destroy();
    rmSync(home, { recursive: true, force: true });
  }
}

test('a bash task of a chain costs at most 8 store round trips on the happy path', async () => {
  const one = await countRequests(chain(1), 'chain-one');
  const eleven = await countRequests(chain(11), 'chain-eleven');
  expect([one.state, eleven.state]).toEqual(['success', 'success']);
  const perTask = (eleven.total - one.total) / 10;
  const perCommand = Object.fromEntries(Object.entries(eleven.byCommand).map(([name, n]) => [name, (n - (one.byCommand[name] ?? 0)) / 10]));
  console.log(`store round trips: run of 1 task ${one.total}, of 11 tasks ${eleven.total}; per added task ${perTask}`, perCommand);
  expect(perTask).toBeLessThanOrEqual(8);
}, 60_000);
