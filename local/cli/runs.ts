/**
 * `skydag dags trigger|pause|unpause|state|list-runs|delete` and `skydag tasks list|clear|
 * states-for-dag-run`, with Airflow's argument names, through the REST API (local store or --api).
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { ApiCallError, request, segment, type ApiClient } from './api-client.js';
import { parseBackfillDate } from './backfill.js';
import { listAll, outputOption, render, withClient, withTarget, type Column, type CommandContext, type OutputFormat } from './output.js';
import { parseConf, UsageError } from './run-commands.js';

const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`;

interface DagRun {
  dag_run_id: string;
  dag_id: string;
  logical_date: string;
  start_date: string | null;
  end_date: string | null;
  state: string;
  run_type: string;
  conf: Record<string, unknown>;
}

interface TaskInstance {
  task_id: string;
  dag_id: string;
  dag_run_id: string;
  execution_date: string;
  start_date: string | null;
  end_date: string | null;
  state: string | null;
  try_number: number;
  map_index: number;
  /** Spark tasks: the config group the latest submitting try used (absent from older servers). */
  config_group?: { name: string; version: string } | null;
}

interface Dag {
  dag_id: string;
  is_paused: boolean;
}

const RUN_COLUMNS: Column<DagRun>[] = [
  { header: 'dag_id', value: (r) => r.dag_id },
  { header: 'run_id', value: (r) => r.dag_run_id },
  { header: 'state', value: (r) => r.state },
  { header: 'execution_date', value: (r) => r.logical_date },
  { header: 'start_date', value: (r) => r.start_date },
  { header: 'end_date', value: (r) => r.end_date },
];

const dagPath = (dagId: string) => `/api/v1/dags/${segment(dagId)}`;

/** A CLI date (YYYY-MM-DD or ISO-8601) as the API's date-time. */
const isoDate = (text: string, flag: string) => parseBackfillDate(text, flag).toISOString();

/** The run of `dagId` at this logical date, or with this run id (Airflow's execution_date_or_run_id). */
async function findRun(client: ApiClient, dagId: string, dateOrRunId: string): Promise<DagRun> {
  let date: string | undefined;
  try {
    date = isoDate(dateOrRunId, 'execution_date');
  } catch {
    // not a date: a run id
  }
  if (date === undefined) {
    return request<DagRun>(client, 'GET', `${dagPath(dagId)}/dagRuns/${segment(dateOrRunId)}`).catch((error: unknown) => {
      throw error instanceof ApiCallError && error.status === 404 ? new ApiCallError(404, `DagRun for ${dagId} with run_id or execution_date of '${dateOrRunId}' not found`) : error;
    });
  }
  const [run] = await listAll<DagRun>(client, `${dagPath(dagId)}/dagRuns`, 'dag_runs', { query: { execution_date_gte: date, execution_date_lte: date } });
  if (!run) throw new ApiCallError(404, `DagRun for ${dagId} with run_id or execution_date of '${dateOrRunId}' not found`);
  return run;
}

/** The DAG ids a pause/unpause names: one id, or every id the regex finds (Python's re.search). */
async function dagIdsFor(client: ApiClient, dagId: string, asRegex: boolean): Promise<string[]> {
  if (!asRegex) return [dagId];
  let pattern: RegExp;
  try {
    pattern = new RegExp(dagId, 'u');
  } catch (error) {
    throw new UsageError(`invalid regular expression '${dagId}': ${(error as Error).message}`);
  }
  const ids = (await listAll<Dag>(client, '/api/v1/dags', 'dags')).map((d) => d.dag_id).filter((id) => pattern.test(id));
  if (!ids.length) throw new ApiCallError(404, `No DAGs found matching '${dagId}'`);
  return ids;
}

function registerPause(dags: Command, ctx: CommandContext, paused: boolean): void {
  const verb = paused ? 'pause' : 'unpause';
  withTarget(dags.command(verb).argument('<dag_id>').description(`${verb} a DAG${paused ? ': the scheduler creates no runs and starts none' : ': the scheduler creates its due runs again'}`), ctx)
    .option('--treat-dag-id-as-regex', `${verb} every DAG whose id the regular expression finds`)
    .option('-y, --yes', 'do not ask for confirmation (accepted for Airflow; skydag does not ask)')
    .addOption(outputOption())
    .addHelpText('after', examples(`skydag dags ${verb} example_etl`, `skydag dags ${verb} '^team_a_' --treat-dag-id-as-regex`))
    .action(async function (this: Command, dagId: string) {
      const o = this.opts<{ treatDagIdAsRegex?: boolean; output: OutputFormat }>();
      await withClient(this, ctx, async (client) => {
        const changed: Dag[] = [];
        for (const id of await dagIdsFor(client, dagId, o.treatDagIdAsRegex === true)) {
          changed.push(await request<Dag>(client, 'PATCH', dagPath(id), { query: { update_mask: 'is_paused' }, body: { is_paused: paused } }));
        }
        ctx.io.out(render(o.output, changed, [{ header: 'dag_id', value: (d) => d.dag_id }, { header: 'is_paused', value: (d) => d.is_paused }]));
      });
    });
}

export function registerRunCommands(dags: Command, tasks: Command, ctx: CommandContext): void {
  withTarget(dags.command('trigger').argument('<dag_id>').description('trigger a DAG run: created queued, started by the scheduler once the DAG is unpaused'), ctx)
    .option('-r, --run-id <run_id>', 'the run id (default: manual__<logical date>)')
    .option('-c, --conf <json>', 'dag_run.conf as a JSON object')
    .option('-e, --exec-date <date>', 'the logical date (YYYY-MM-DD or ISO-8601; default: now)')
    .option('--note <text>', 'a note on the run')
    .addOption(outputOption())
    .addHelpText('after', examples('skydag dags trigger example_etl', 'skydag dags trigger example_etl --run-id nightly_fix -c \'{"table": "orders"}\' -e 2024-06-01'))
    .action(async function (this: Command, dagId: string) {
      const o = this.opts<{ runId?: string; conf?: string; execDate?: string; note?: string; output: OutputFormat }>();
      const body = {
        conf: parseConf(o.conf),
        ...(o.runId !== undefined ? { dag_run_id: o.runId } : {}),
        ...(o.execDate !== undefined ? { logical_date: isoDate(o.execDate, '--exec-date') } : {}),
        ...(o.note !== undefined ? { note: o.note } : {}),
      };
      await withClient(this, ctx, async (client) => {
        const run = await request<DagRun>(client, 'POST', `${dagPath(dagId)}/dagRuns`, { body });
        ctx.io.out(render(o.output, [run], [...RUN_COLUMNS.slice(0, 4), { header: 'conf', value: (r) => r.conf }]));
      });
    });

  registerPause(dags, ctx, true);
  registerPause(dags, ctx, false);

  withTarget(dags.command('state').argument('<dag_id>').argument('<execution_date>', 'the run\'s logical date, or its run id').description("print the state of a DAG run (and its conf when it has one)"), ctx)
    .addHelpText('after', examples('skydag dags state example_etl 2024-06-01', 'skydag dags state example_etl manual__2024-06-01T00:00:00+00:00'))
    .action(async function (this: Command, dagId: string, when: string) {
      await withClient(this, ctx, async (client) => {
        const run = await findRun(client, dagId, when);
        ctx.io.out(Object.keys(run.conf ?? {}).length ? `${run.state}, ${JSON.stringify(run.conf)}` : run.state);
      });
    });

  // Airflow's CLI has no such command (its UI and PATCH dagRuns do it); here it is how a run is stopped
  // from a terminal: failed stops the tasks still running (in the running skydag dev too), queued runs it again.
  withTarget(dags.command('set-state').argument('<dag_id>').argument('<execution_date>', "the run's logical date, or its run id").argument('<state>', 'success, failed or queued').description('set the state of a DAG run as PATCH dagRuns does: success or failed stop its running tasks, queued runs it again'), ctx)
    .addOption(outputOption())
    .addHelpText('after', examples('skydag dags set-state example_etl 2024-06-01 failed', 'skydag dags set-state example_etl manual__2024-06-01T00:00:00+00:00 queued'))
    .action(async function (this: Command, dagId: string, when: string, state: string) {
      const o = this.opts<{ output: OutputFormat }>();
      if (!['success', 'failed', 'queued'].includes(state)) throw new UsageError(`the state must be success, failed or queued, not '${state}'`);
      await withClient(this, ctx, async (client) => {
        const run = await findRun(client, dagId, when);
        const updated = await request<DagRun>(client, 'PATCH', `${dagPath(dagId)}/dagRuns/${segment(run.dag_run_id)}`, { body: { state } });
        ctx.io.out(render(o.output, [updated], RUN_COLUMNS));
      });
    });

  withTarget(dags.command('list-runs').description('list the runs of a DAG, newest first'), ctx)
    .requiredOption('-d, --dag-id <dag_id>', 'the DAG')
    .option('--state <state>', 'only runs in this state (queued, running, success, failed)')
    .option('--no-backfill', 'leave out backfill runs')
    .option('-s, --start-date <date>', 'runs with a logical date at or after this')
    .option('-e, --end-date <date>', 'runs with a logical date at or before this')
    .addOption(outputOption())
    .addHelpText('after', examples('skydag dags list-runs -d example_etl', 'skydag dags list-runs -d example_etl --state failed -o json'))
    .action(async function (this: Command) {
      const o = this.opts<{ dagId: string; state?: string; backfill: boolean; startDate?: string; endDate?: string; output: OutputFormat }>();
      const query = {
        order_by: '-execution_date',
        ...(o.state !== undefined ? { state: o.state } : {}),
        ...(o.startDate !== undefined ? { execution_date_gte: isoDate(o.startDate, '--start-date') } : {}),
        ...(o.endDate !== undefined ? { execution_date_lte: isoDate(o.endDate, '--end-date') } : {}),
      };
      await withClient(this, ctx, async (client) => {
        await request(client, 'GET', dagPath(o.dagId));
        const runs = (await listAll<DagRun>(client, `${dagPath(o.dagId)}/dagRuns`, 'dag_runs', { query })).filter((r) => o.backfill || r.run_type !== 'backfill');
        ctx.io.out(render(o.output, runs, RUN_COLUMNS));
      });
    });

  withTarget(dags.command('delete').argument('<dag_id>').description("delete a DAG's records: its runs, task instances and XComs (the file stays: the DAG comes back, paused, when its file is read again)"), ctx)
    .option('-y, --yes', 'confirm the deletion')
    .addHelpText('after', examples('skydag dags delete example_etl --yes'))
    .action(async function (this: Command, dagId: string) {
      const o = this.opts<{ yes?: boolean }>();
      if (!o.yes) {
        ctx.io.err(`skydag dags delete removes every run, task instance and XCom of '${dagId}'. Run it again with --yes to do it.`);
        return ctx.setExit(1);
      }
      await withClient(this, ctx, async (client) => {
        await request(client, 'DELETE', dagPath(dagId));
        ctx.io.out(`Removed all records of '${dagId}'`);
      });
    });

  withTarget(tasks.command('list').argument('<dag_id>').description('list the task ids of a DAG'), ctx)
    .addOption(outputOption().default('plain'))
    .action(async function (this: Command, dagId: string) {
      const { output } = this.opts<{ output: OutputFormat }>();
      await withClient(this, ctx, async (client) => {
        const { tasks: list } = await request<{ tasks: { task_id: string; class_ref?: { class_name?: string } }[] }>(client, 'GET', `${dagPath(dagId)}/tasks`);
        const rows = [...list].sort((a, b) => a.task_id.localeCompare(b.task_id));
        ctx.io.out(render(output, rows, output === 'plain' ? [{ header: 'task_id', value: (t) => t.task_id }] : [{ header: 'task_id', value: (t) => t.task_id }, { header: 'operator', value: (t) => t.class_ref?.class_name ?? null }]));
      });
    });

  withTarget(tasks.command('states-for-dag-run').argument('<dag_id>').argument('<execution_date_or_run_id>').description('the state of every task instance of one DAG run'), ctx)
    .addOption(outputOption())
    .addHelpText('after', examples('skydag tasks states-for-dag-run example_etl 2024-06-01', 'skydag tasks states-for-dag-run example_etl nightly_fix -o json'))
    .action(async function (this: Command, dagId: string, when: string) {
      const { output } = this.opts<{ output: OutputFormat }>();
      await withClient(this, ctx, async (client) => {
        const run = await findRun(client, dagId, when);
        const tis = await listAll<TaskInstance>(client, `${dagPath(dagId)}/dagRuns/${segment(run.dag_run_id)}/taskInstances`, 'task_instances');
        ctx.io.out(
          render(output, tis, [
            { header: 'dag_id', value: (t) => t.dag_id },
            { header: 'execution_date', value: (t) => t.execution_date },
            { header: 'task_id', value: (t) => t.task_id },
            { header: 'state', value: (t) => t.state },
            { header: 'start_date', value: (t) => t.start_date },
            { header: 'end_date', value: (t) => t.end_date },
            { header: 'config_group', value: (t) => (t.config_group ? `${t.config_group.name}@${t.config_group.version}` : null) },
          ]),
        );
      });
    });

  withTarget(tasks.command('clear').argument('<dag_id>').description('clear task instances so they run again (without --yes: show what would be cleared)'), ctx)
    .option('-t, --task-regex <regex>', 'only tasks whose id the regular expression finds')
    .option('-s, --start-date <date>', 'runs with a logical date at or after this')
    .option('-e, --end-date <date>', 'runs with a logical date at or before this')
    .option('-f, --only-failed', 'only failed (and upstream_failed) task instances')
    .option('-r, --only-running', 'only running task instances')
    .option('-u, --upstream', 'include the upstream tasks of the matched ones')
    .option('-d, --downstream', 'include the downstream tasks of the matched ones')
    .option('-y, --yes', 'clear without asking (otherwise the command only lists what it would clear)')
    .addOption(new Option('-o, --output <format>', 'output format of the list').choices(['table', 'json', 'yaml', 'plain']).default('table'))
    .addHelpText('after', examples('skydag tasks clear example_etl -t "^load" -s 2024-06-01 -e 2024-06-07', 'skydag tasks clear example_etl --only-failed --yes'))
    .action(async function (this: Command, dagId: string) {
      const o = this.opts<{ taskRegex?: string; startDate?: string; endDate?: string; onlyFailed?: boolean; onlyRunning?: boolean; upstream?: boolean; downstream?: boolean; yes?: boolean; output: OutputFormat }>();
      let pattern: RegExp | undefined;
      try {
        pattern = o.taskRegex === undefined ? undefined : new RegExp(o.taskRegex, 'u');
      } catch (error) {
        throw new UsageError(`invalid --task-regex: ${(error as Error).message}`);
      }
      await withClient(this, ctx, async (client) => {
        let taskIds: string[] | undefined;
        if (pattern) {
          const { tasks: list } = await request<{ tasks: { task_id: string }[] }>(client, 'GET', `${dagPath(dagId)}/tasks`);
          taskIds = list.map((t) => t.task_id).filter((id) => pattern.test(id));
          if (!taskIds.length) throw new ApiCallError(404, `no task of '${dagId}' matches --task-regex ${o.taskRegex}`);
        }
        const body = (dryRun: boolean) => ({
          dry_run: dryRun,
          only_failed: o.onlyFailed === true,
          only_running: o.onlyRunning === true,
          include_upstream: o.upstream === true,
          include_downstream: o.downstream === true,
          ...(taskIds ? { task_ids: taskIds } : {}),
          ...(o.startDate !== undefined ? { start_date: isoDate(o.startDate, '--start-date') } : {}),
          ...(o.endDate !== undefined ? { end_date: isoDate(o.endDate, '--end-date') } : {}),
        });
        const { task_instances: tis } = await request<{ task_instances: { task_id: string; dag_run_id: string; execution_date: string }[] }>(client, 'POST', `${dagPath(dagId)}/clearTaskInstances`, { body: body(!o.yes) });
        if (tis.length) {
          ctx.io.out(
            render(o.output, tis, [
              { header: 'task_id', value: (t) => t.task_id },
              { header: 'run_id', value: (t) => t.dag_run_id },
              { header: 'execution_date', value: (t) => t.execution_date },
            ]),
          );
        }
        ctx.io.err(tis.length === 0 ? 'No task instances to clear' : o.yes ? `cleared ${tis.length} task instance(s)` : `${tis.length} task instance(s) would be cleared: run again with --yes to clear them`);
      });
    });
}
