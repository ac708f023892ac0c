/**
 * The scheduler's CustomTimetables port (scheduling/custom-timetable.ts) over the runtime: the DAG
 * file of the asked version builds its timetable in the Python runner, which calls it; what the
 * timetable's code prints or logs goes to the DAG processor log, as for sla_miss_callback.
 */
import type { Dag } from '../../model/schema.js';
import { timetableName, type CustomTimetables } from '../../scheduling/custom-timetable.js';
import { CustomTimetableError, type RawRunInfo } from '../../scheduling/timetable.js';
import { SecretsMasker } from '../../secrets/masker.js';
import type { TimetableAnswer, TimetableCall } from '../executors/python.js';
import { TaskTimeoutError } from '../executors/types.js';
import type { DagSource, RuntimeDeps } from './deps.js';
import { dagLevelServices, type DagProcessorLogs } from './sla-callback.js';
import { maskedTaskLog } from './try-secrets.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function instant(text: string | undefined, what: string): number {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  if (Number.isNaN(ms)) throw new CustomTimetableError(`the timetable's ${what} is not a datetime (${JSON.stringify(text)})`);
  return ms;
}

/**
 * How long one question may take: a timetable computes dates (Airflow's answer in milliseconds), and
 * the scheduling pass waits for it, so one that hangs is stopped well before the pass's next minute.
 */
export const CUSTOM_TIMETABLE_TIMEOUT_MS = 15_000;

export function createCustomTimetables(
  deps: Pick<RuntimeDeps, 'python' | 'variables' | 'connections'> & { dags: Pick<DagSource, 'sourceLocation'> },
  logs: DagProcessorLogs,
  timeoutMs: number = CUSTOM_TIMETABLE_TIMEOUT_MS,
): CustomTimetables {
  const ask = async (dag: Dag, version: string | null, call: TimetableCall): Promise<TimetableAnswer | null> => {
    const name = timetableName(dag);
    const masker = new SecretsMasker();
    const log = maskedTaskLog(logs.open(dag), masker);
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(new TaskTimeoutError(`${name}.${call.op}() did not return within ${timeoutMs / 1000} s`)), timeoutMs);
    try {
      log.info(`Asking the timetable ${name} of DAG ${dag.dag_id}: ${call.op}`);
      const python = deps.python;
      if (!python?.timetable) throw new Error('no Python runner is configured');
      const source = await deps.dags.sourceLocation(dag, version);
      return await python.timetable(
        {
          dag,
          dagFilePath: source.dagFilePath,
          dagsFolder: source.dagsFolder,
          ...(source.pluginsFolder ? { pluginsFolder: source.pluginsFolder } : {}),
          ...(source.projectFolder ? { projectFolder: source.projectFolder } : {}),
          services: dagLevelServices(deps, masker, 'a timetable'),
          log,
          signal: stop.signal,
        },
        call,
      );
    } catch (err) {
      const message = masker.redactText(err instanceof Error ? err.message : String(err));
      log.info(`${name}.${call.op}() of DAG ${dag.dag_id} failed: ${message}`);
      throw new CustomTimetableError(`the timetable ${name} of DAG ${dag.dag_id} failed in ${call.op}(): ${message} (see ${logs.locate(dag)})`, { cause: err });
    } finally {
      clearTimeout(timer);
      await log.close().catch(() => undefined);
    }
  };
  return {
    async nextDagRunInfo({ dag, version, last, restriction }): Promise<RawRunInfo | null> {
      const answer = await ask(dag, version, {
        op: 'next_dagrun_info',
        last: last && { start: iso(last.start)!, end: iso(last.end)! },
        restriction: { earliest: iso(restriction.earliest), latest: iso(restriction.latest), catchup: restriction.catchup },
      });
      if (!answer) return null;
      const start = instant(answer.start, 'data interval start');
      const end = instant(answer.end, 'data interval end');
      return { start, end, logicalDate: instant(answer.logical_date ?? answer.start, 'logical date'), runAfter: instant(answer.run_after ?? answer.end, 'run_after') };
    },
    async inferManualDataInterval({ dag, version, runAfter }) {
      const answer = await ask(dag, version, { op: 'infer_manual_data_interval', run_after: iso(runAfter)! });
      if (!answer) throw new CustomTimetableError(`the timetable of DAG ${dag.dag_id} gave no data interval for a manual run`);
      return { start: instant(answer.start, 'data interval start'), end: instant(answer.end, 'data interval end') };
    },
  };
}
