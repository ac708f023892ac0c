/**
 * The scheduler-pass Lambda: invoked by each DAG's EventBridge schedule (input `{dag_id}`) and by a
 * one-minute rate schedule, it runs the same pass as the local ticker (shared/scheduling/scheduler.ts):
 * creates due runs — each one conditional write of a deterministic run id, so two concurrent passes
 * cannot both create a run — and starts queued runs within max_active_runs (StartExecution is
 * idempotent per execution name), then wakes tasks waiting for pool slots other DAGs freed.
 * The pass covers every DAG whatever fired it: it is idempotent, and a late or lost firing of one
 * DAG's schedule is caught up by the next. It also answers the API's questions to custom timetables
 * (`{timetable: ...}`, timetable-client.ts): their code is Python, which this function's image has.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { wakePoolWaiters } from '../shared/runtime/handlers/pool-waiters.js';
import { consoleDagProcessorLogs, createSlaMissCallback } from '../shared/runtime/handlers/sla-callback.js';
import { schedulePass, type SchedulePassResult, type StartRun } from '../shared/scheduling/scheduler.js';
import type { RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import type { MetadataStore } from '../shared/stores/metadata.js';
import { cloud, useCloudEnvironment } from './cloud-root.js';
import { answerTimetableQuestion, isTimetableQuestion, type TimetableReply } from './timetable-client.js';

export interface SchedulerPassContext {
  store: MetadataStore;
  deps: RuntimeDeps;
  runs: { startRun: StartRun };
}

export interface SchedulerPassSummary {
  created: string[];
  started: string[];
  errors: SchedulePassResult['errors'];
}

export function createSchedulerHandler(getContext: () => Promise<SchedulerPassContext>) {
  return middy<unknown, SchedulerPassSummary | TimetableReply, Error, Context>(async (event: unknown) => {
    const { store, deps, runs } = await getContext();
    // The API's questions to custom timetables (it has no Python): answered here, no pass is run.
    if (isTimetableQuestion(event)) return answerTimetableQuestion(event, deps.timetables, (dagId, version) => deps.dags.getDag(dagId, version));
    const result = await schedulePass({
      store,
      now: deps.clock(),
      startRun: runs.startRun,
      dagModel: (dagId, version) => deps.dags.getDag(dagId, version),
      mail: deps.mail,
      // DAGs' sla_miss_callback: their output goes to this function's log (console → CloudWatch).
      slaMissCallback: createSlaMissCallback(deps, consoleDagProcessorLogs()),
      customTimetables: deps.timetables,
    });
    await wakePoolWaiters(deps);
    const summary = { created: result.created.map((r) => `${r.dag_id}/${r.run_id}`), started: result.started.map((r) => `${r.dag_id}/${r.run_id}`), errors: result.errors };
    if (summary.errors.length > 0) console.error(JSON.stringify({ scheduler: summary }));
    return summary;
  });
}

export const handler = createSchedulerHandler(() => cloud.get());

useCloudEnvironment('scheduler');
