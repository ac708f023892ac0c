/**
 * Benchmark: what a deployed stack costs a month at 0, 100 and 10,000 task runs a day, beside MWAA's
 * smallest environment. Per task: the compiled machine's state transitions and control Lambda calls
 * (the compiler's report), one runner invocation, and the DynamoDB requests the handlers make, counted
 * on the real DynamoDB adapter (embedded server) while the local engine runs a chain of no-op tasks.
 * Fixed: what the stack keeps running when idle (infra/). Task code's own compute is not included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUNCTION_ENTRIES } from '../scripts/bundle-functions.js';
import { ASYNC_TRIGGERS, deploymentsOf } from '../infra/functions.js';
import { LocalRuntime } from '../local/engine/local-runtime.js';
import { startEmbeddedDynamoDB } from '../local/stores/embedded-dynamodb.js';
import { compileDag } from '../shared/compiler/compile.js';
import type { Task } from '../shared/model/schema.js';
import { makeDag, makeTask } from '../test/helpers/model.js';

/** us-east-1 list prices (USD), free tiers ignored. */
export const MONTHLY_PRICES = {
  perTransition: 0.025 / 1000,
  perLambdaRequest: 0.2 / 1_000_000,
  perLambdaGbSecond: 0.0000133334,
  /** A control call: 512 MB for ~50 ms. */
  controlGbSeconds: 0.5 * 0.05,
  perWriteRequestUnit: 0.625 / 1_000_000,
  perReadRequestUnit: 0.125 / 1_000_000,
  /** NAT instance t4g.nano ($0.0042/h) and its 8 GB gp3 volume. */
  natInstanceMonthly: 0.0042 * 730 + 8 * 0.08,
  kmsKeyMonthly: 1,
  alarmMonthly: 0.1,
  /** MWAA mw1.small environment, ≈ $0.49/h (third-party figure: /work/shared/reference/aws-and-peers.md §1.2). */
  mwaaSmallestHourly: 0.49,
} as const;

const HOURS_PER_MONTH = 730;
const DAYS_PER_MONTH = 30.4;
const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;

export interface PerTaskUsage {
  transitions: number;
  controlCalls: number;
  runnerCalls: number;
  dynamoReads: number;
  dynamoWrites: number;
}

const READS = new Set(['GetCommand', 'QueryCommand', 'ScanCommand', 'GetItemCommand']);
const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

/** Runs a chain of `n` no-op tasks on the DynamoDB adapter and counts its requests (a transaction counts twice per item, as DynamoDB bills it). */
export async function measurePerTask(n = 50): Promise<PerTaskUsage> {
  const home = mkdtempSync(join(tmpdir(), 'skydag-bench-cost-'));
  const db = await startEmbeddedDynamoDB({});
  try {
    let reads = 0;
    let writes = 0;
    let counting = false;
    db.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (counting) {
          const name = context.commandName ?? '';
          const input = args.input as { TransactItems?: unknown[]; RequestItems?: Record<string, unknown[] | { Keys?: unknown[] }> };
          if (name.startsWith('Transact')) {
            if (name.includes('Write')) writes += 2 * (input.TransactItems?.length ?? 1);
            else reads += 2 * (input.TransactItems?.length ?? 1);
          } else if (name.startsWith('Batch')) {
            // BatchWriteItem lists requests per table; BatchGetItem lists Keys per table.
            const items = Object.values(input.RequestItems ?? {}).reduce((sum, list) => sum + (Array.isArray(list) ? list.length : (list.Keys?.length ?? 0)), 0);
            if (name.includes('Write')) writes += items;
            else reads += items;
          } else if (READS.has(name)) reads++;
          else if (WRITES.has(name)) writes++;
        }
        return next(args);
      },
      { step: 'initialize', name: 'skydagBenchCount' },
    );
    const tasks: Task[] = Array.from({ length: n }, (_, i) => makeTask(`t${i}`, { owner: 'bench', email_on_failure: false, email_on_retry: false, source: { file: 'bench.py', line: 1, col: 1 } }));
    const dag = makeDag('cost_chain', tasks, tasks.slice(1).map((t, i): [string, string] => [`t${i}`, t.task_id]), { owner: 'bench', catchup: false, source: { file: 'bench.py', line: 1, col: 1 } });
    const runtime = new LocalRuntime({ dagsFolder: home, logsDir: join(home, 'logs'), store: db.store, render: async (request) => request.task.args, executorFor: () => async () => ({ outcome: 'success' }) });
    runtime.register(dag);
    counting = true;
    const outcome = await runtime.runDag(dag.dag_id, { logicalDate: new Date('2024-01-02T00:00:00Z') });
    counting = false;
    if (outcome.run.state !== 'success') throw new Error(`cost bench run ended ${outcome.run.state}`);
    const report = compileDag(dag).report;
    return { transitions: report.transitions_per_task, controlCalls: report.lambda_invocations_per_task, runnerCalls: 1, dynamoReads: reads / n, dynamoWrites: writes / n };
  } finally {
    await db.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** The idle floor of the stack: NAT instance, KMS key, alarms (counted from infra/functions.ts), the reconciler every minute. */
export function idleMonthly(): { item: string; usd: number }[] {
  const p = MONTHLY_PRICES;
  const deployments = deploymentsOf(FUNCTION_ENTRIES).filter(([, d]) => d.package !== 'fargate-container');
  const alarms = 2 + deployments.length * 2 - deployments.filter(([, d]) => d.reservedConcurrency !== undefined).length + deployments.filter(([, d]) => d.triggers.some((t) => ASYNC_TRIGGERS.includes(t))).length;
  const reconcilerCall = p.perLambdaRequest + 0.5 * 0.2 * p.perLambdaGbSecond + p.perReadRequestUnit;
  return [
    { item: 'NAT instance (t4g.nano + 8 GB gp3)', usd: p.natInstanceMonthly },
    { item: 'KMS key', usd: p.kmsKeyMonthly },
    { item: `CloudWatch alarms (${alarms})`, usd: alarms * p.alarmMonthly },
    { item: 'reconciler, every minute', usd: MINUTES_PER_MONTH * reconcilerCall },
  ];
}

export function perTaskUsd(u: PerTaskUsage): number {
  const p = MONTHLY_PRICES;
  return (
    u.transitions * p.perTransition +
    u.controlCalls * (p.perLambdaRequest + p.controlGbSeconds * p.perLambdaGbSecond) +
    u.runnerCalls * p.perLambdaRequest +
    u.dynamoReads * p.perReadRequestUnit +
    u.dynamoWrites * p.perWriteRequestUnit
  );
}

export type MonthlyRow = {
  'task runs/day': string;
  'skydag USD/month': number;
  'MWAA mw1.small USD/month': number;
};

export function monthlyCost(usage: PerTaskUsage, perDay: readonly number[] = [0, 100, 10_000]): MonthlyRow[] {
  const idle = idleMonthly().reduce((sum, i) => sum + i.usd, 0);
  const round = (x: number) => Math.round(x * 100) / 100;
  return perDay.map((n) => ({
    'task runs/day': n.toLocaleString('en'),
    'skydag USD/month': round(idle + n * DAYS_PER_MONTH * perTaskUsd(usage)),
    'MWAA mw1.small USD/month': round(MONTHLY_PRICES.mwaaSmallestHourly * HOURS_PER_MONTH),
  }));
}
