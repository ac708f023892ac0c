/**
 * POST /api/v1/dags/{dag_id}/backfill — what `skydag dags backfill -s -e [--dry-run]` does, over the
 * API (Airflow 2 has no such endpoint; Airflow 3 added backfills to its API). The logical dates are
 * the schedule's intervals in [start_date, end_date]; dates in the future or after the DAG's end_date
 * are listed as excluded. A dry run only lists; otherwise the runs are created `backfill__<iso>` and
 * executed in the background, oldest first, within max_active_runs.
 */
import { planBackfill, type BackfillPlan } from '../../scheduling/backfill.js';
import { CustomTimetableError } from '../../scheduling/timetable.js';
import { badRequest } from '../problem.js';
import { defineRoute } from '../route.js';
import { parseDateTime } from '../validation.js';
import { WILDCARD, requireDag, requireModel } from './common.js';

interface BackfillBody {
  start_date: string;
  end_date: string;
  dry_run?: boolean;
}

/**
 * The most logical dates one request may plan. Enumerating a schedule costs about a millisecond per
 * date on the request's thread, so a wider range (`0001-01-01` to `9999-12-31`) is refused, not
 * computed; the CLI (`skydag dags backfill`) has no such limit.
 */
export const MAX_BACKFILL_DATES = 1000;

/** A range holding more logical dates than a request may plan is the client's to narrow: 400. */
async function planOrRefuse(plan: () => Promise<BackfillPlan>): Promise<BackfillPlan> {
  try {
    return await plan();
  } catch (error) {
    if (error instanceof RangeError) throw badRequest(`cannot backfill this range: ${error.message}; backfill a shorter range`);
    if (error instanceof CustomTimetableError) throw badRequest(`cannot plan this backfill: ${error.message}`);
    throw error;
  }
}

export const backfillRoutes = [
  defineRoute<Record<string, never>, BackfillBody>({
    id: 'post_backfill',
    method: 'POST',
    path: '/api/v1/dags/{dag_id}/backfill',
    access: { permissions: ['edit:dags', 'create:dag_runs'] },
    summary: 'Backfill the logical dates of the schedule in [start_date, end_date] (dry_run lists them without running).',
    body: {
      type: 'object',
      required: ['start_date', 'end_date'],
      properties: { start_date: { type: 'string', minLength: 10 }, end_date: { type: 'string', minLength: 10 }, dry_run: { type: 'boolean' } },
      additionalProperties: false,
    },
    audit: { event: 'backfill' },
    async handle({ deps, params, body }) {
      const dagId = params.dag_id!;
      if (dagId === WILDCARD) throw badRequest("a backfill needs one dag_id, not '~'");
      const start = parseDateTime(body.start_date);
      const end = parseDateTime(body.end_date);
      if (!start || !end) throw badRequest('start_date and end_date must be dates (YYYY-MM-DD, UTC) or ISO-8601 timestamps');
      if (start.getTime() > end.getTime()) throw badRequest(`start_date ${body.start_date} is after end_date ${body.end_date}`);
      const dag = await requireDag(deps, dagId);
      const model = await requireModel(deps, dag);
      if (model.schedule.type === 'none') throw badRequest(`DAG '${dagId}' has no schedule, so there is nothing to backfill`);
      const plan = await planOrRefuse(() => planBackfill(model, start, end, { now: deps.clock(), limit: MAX_BACKFILL_DATES, timetables: deps.timetables, version: dag.current_version }));
      const dryRun = body.dry_run === true;
      if (!dryRun) {
        if (!deps.backfill) throw badRequest('this deployment runs backfills from the CLI only (dry_run works)');
        if (plan.runs.length > 0) await deps.backfill.start({ record: dag, model }, start, end);
      }
      return {
        dag_id: dagId,
        dry_run: dryRun,
        logical_dates: plan.runs.map((r) => r.logical_date),
        dag_runs: plan.runs.map((r) => ({ dag_run_id: r.run_id, logical_date: r.logical_date, data_interval_start: r.data_interval_start, data_interval_end: r.data_interval_end })),
        excluded: plan.excluded,
      };
    },
  }),
];
