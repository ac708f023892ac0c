/**
 * `npm run bench`: measures what matters and prints numbers (no pass/fail thresholds).
 * Sections: DAG parsing + validation; compilation; local engine per-task overhead; cloud cost per
 * task; REST API latency with a large store.
 * `--peers` runs only the side-by-side with snakemake (`--rounds N`, default 5; `--only REGEX` keeps the shapes it matches; `--scale` adds the
 * 10,000-task layered DAG to every round): see peers.ts. `--soak` runs only the platform's memory
 * soak (`--runs N`, default 500; RSS and heap after a full collection at each checkpoint): see soak.ts.
 * `--scale` (without `--peers`) runs only the REST API listings over the full-size store (1,000 DAGs,
 * 100,000 task instances, 10,000 runs of one DAG): see api.ts. `--store DIR` keeps the seeded store in
 * DIR and reuses it on the next run (the seed takes minutes); `--samples N`, `--only REGEX` (of the request).
 */
import './quiet-sdk.js';
import { join, resolve } from 'node:path';
import { generatePythonDag, benchParse } from './parse.js';
import { benchEngine } from './engine.js';
import { benchCost, FARGATE_USD_PER_MINUTE, PRICES } from './cost.js';
import { benchApi } from './api.js';
import { idleMonthly, measurePerTask, monthlyCost, perTaskUsd } from './monthly-cost.js';
import { benchPeers, CONCURRENCY as SNAKEMAKE_CONCURRENCY } from './peers.js';
import { benchSoak } from './soak.js';
import { compileDag } from '../shared/compiler/compile.js';
import { loadDagFile } from '../shared/frontends/index.js';

function printTable(title: string, rows: readonly Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0]!);
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
  console.log(headers.map((h, i) => h.padStart(widths[i]!)).join('  '));
  for (const row of rows) console.log(headers.map((h, i) => String(row[h]).padStart(widths[i]!)).join('  '));
}

function time<T>(fn: () => T): { value: T; ms: number } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { value, ms: Math.round(Number(process.hrtime.bigint() - start) / 1e5) / 10 };
}

async function peers(args: readonly string[]): Promise<void> {
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 5;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a positive integer');
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new RegExp(args[onlyAt + 1] ?? '') : undefined;
  const rows = await benchPeers({ rounds, scale: args.includes('--scale'), ...(only ? { only } : {}) });
  printTable(
    `skydag dags test vs snakemake ${SNAKEMAKE_CONCURRENCY} cores, no-op bash tasks, ${rounds} interleaved rounds; wall min / median / max in s; ms/task = (median − median of a 1-task DAG) / (tasks − 1); ratio = skydag ms/task / snakemake ms/task`,
    rows.map((r) => ({ ...r })),
  );
}

async function soak(args: readonly string[]): Promise<void> {
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 500;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive integer');
  const rows = await benchSoak({ runs });
  const first = rows[0]?.rssMb ?? 0;
  printTable(
    `Platform memory soak: runs of a 2-task DAG through the API, 10 at a time (RSS of this process after a full collection: platform, store and API; growth vs the first checkpoint)`,
    rows.map((r) => ({ runs: r.runs, 'RSS MB': r.rssMb, 'heap MB': r.heapMb, growth: first ? `${Math.round(((r.rssMb - first) / first) * 1000) / 10}%` : '-', seconds: r.seconds })),
  );
}

async function api(scale: boolean, args: readonly string[] = []): Promise<void> {
  const value = (flag: string) => (args.indexOf(flag) >= 0 ? args[args.indexOf(flag) + 1] : undefined);
  const [store, samples, only] = [value('--store'), value('--samples'), value('--only')];
  const { rows, seed } = await benchApi({ scale, ...(store ? { store: resolve(store) } : {}), ...(samples ? { samples: Number(samples) } : {}), ...(only ? { only: new RegExp(only) } : {}) });
  printTable(
    `REST API listings over HTTP (loopback), DynamoDB adapter on the embedded server: ${seed.dags.toLocaleString('en')} DAGs, ${seed.taskInstances.toLocaleString('en')} task instances, ${seed.busyDagRuns.toLocaleString('en')} runs of one DAG, ${seed.auditEntries.toLocaleString('en')} audit entries, ${seed.datasetEvents.toLocaleString('en')} dataset events (seeded in ${seed.seedSeconds} s)`,
    rows.map((r) => ({ request: r.request, samples: r.samples, 'p50 ms': r.p50Ms, 'p99 ms': r.p99Ms })),
  );
  if (scale) console.log(`\np99 < 50 ms: ${rows.every((r) => r.p99Ms < 50) ? 'all' : `not ${rows.filter((r) => r.p99Ms >= 50).map((r) => r.request).join('; ')}`}`);
}

async function main(): Promise<void> {
  console.log(`skydag bench — node ${process.version}, ${process.platform}/${process.arch}`);
  const args = process.argv.slice(2);
  if (args.includes('--peers')) return peers(args);
  if (args.includes('--soak')) return soak(args);
  if (args.includes('--scale')) return api(true, args);

  const parse = await benchParse();
  printTable(
    'Parse + validate (Python front-end, best of 3; bounded = through a warm parse worker, as servers and the CLI read files)',
    parse.map((r) => ({
      tasks: r.tasks,
      'source KB': r.sourceKb,
      ms: r.parseValidateMs,
      'ms/task': Math.round((r.parseValidateMs / r.tasks) * 1000) / 1000,
      'bounded ms': r.boundedMs,
      'heap delta MB': r.heapDeltaMb,
    })),
  );

  const now = new Date('2024-06-01T00:00:00Z');
  printTable(
    'Compile to ASL (generated DAGs)',
    [100, 1000, 10000].map((n) => {
      const dag = loadDagFile(generatePythonDag(n), { file: `g${n}.py`, now }).dags[0]!;
      const { value, ms } = time(() => compileDag(dag));
      return { tasks: n, ms, machines: value.machines.length, 'definition KB': Math.round(value.report.definition_bytes / 1024), 'events/run': value.report.estimated_events_per_run, 'worst case': value.report.worst_case_events_per_run };
    }),
  );

  const engine = await benchEngine();
  printTable('Local engine, no-op tasks (compiled ASL in aws-local-stepfunctions + handlers + in-memory store)', engine.map((r) => ({ DAG: r.shape, tasks: r.tasks, 'total ms': r.totalMs, 'ms/task': r.msPerTask, 'render ms/task': r.renderMsPerTask, state: r.state })));

  const costs = await benchCost([join(import.meta.dirname, '..', 'examples', 'dags')]);
  printTable(
    `Cloud cost of orchestration per compiled DAG ($${PRICES.perTransition * 1000}/1k transitions, Lambda 256 MB x 50 ms per control call; a Fargate try $${FARGATE_USD_PER_MINUTE.toFixed(5)} per minute, one minute at least)`,
    costs.map((c) => ({ DAG: c.dag, tasks: c.tasks, states: c.states, KB: c.kb, 'events/run': c.events, 'transitions/task': c.transitionsPerTask, 'lambda calls/task': c.lambdasPerTask, 'USD per 1k tasks': c.usdPer1000Tasks, 'fargate tasks': c.fargateTasks })),
  );

  const usage = await measurePerTask();
  printTable(
    `Monthly cost of a deployed stack (us-east-1 list prices; per task ${usage.transitions} transitions, ${usage.controlCalls} control + ${usage.runnerCalls} runner Lambda calls, ${Math.round(usage.dynamoReads * 10) / 10} DynamoDB reads + ${Math.round(usage.dynamoWrites * 10) / 10} writes = $${Math.round(perTaskUsd(usage) * 1000 * 10000) / 10000} per 1,000 tasks; task code's compute excluded; idle: ${idleMonthly().map((i) => `${i.item} $${Math.round(i.usd * 100) / 100}`).join(', ')})`,
    monthlyCost(usage),
  );

  await api(false);

  console.log(`\npeak RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
}

await main();
