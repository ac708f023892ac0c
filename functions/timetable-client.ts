/**
 * Custom timetables asked from the API in the cloud: their code is Python, which the API function
 * (a Node zip) does not have, so it invokes the scheduler function (the runner image), synchronously,
 * with `{timetable: ...}`; that function answers through its own CustomTimetables port
 * (shared/runtime/handlers/custom-timetables.ts). The model is looked up there by id and version.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Dag } from '../shared/model/schema.js';
import type { CustomTimetables } from '../shared/scheduling/custom-timetable.js';
import { CustomTimetableError, type RawRunInfo, type TimeRestriction } from '../shared/scheduling/timetable.js';

/** What the scheduler function is asked for one custom-timetable question. */
export interface TimetableQuestion {
  timetable:
    | { op: 'next_dagrun_info'; dag_id: string; version: string | null; last: { start: number; end: number } | null; restriction: TimeRestriction }
    | { op: 'infer_manual_data_interval'; dag_id: string; version: string | null; run_after: number };
}
export type TimetableReply = { ok: true; value: RawRunInfo | { start: number; end: number } | null } | { ok: false; message: string };

export function isTimetableQuestion(event: unknown): event is TimetableQuestion {
  const q = (event as { timetable?: { op?: unknown; dag_id?: unknown } } | null)?.timetable;
  return typeof q === 'object' && q !== null && typeof q.dag_id === 'string' && (q.op === 'next_dagrun_info' || q.op === 'infer_manual_data_interval');
}

/** Answers a question with the function's own port; a failure is the reply's message (the caller raises it). */
export async function answerTimetableQuestion(question: TimetableQuestion, port: CustomTimetables | undefined, dagModel: (dagId: string, version: string | null) => Promise<Dag | undefined>): Promise<TimetableReply> {
  const q = question.timetable;
  try {
    if (!port) throw new CustomTimetableError('this function cannot run custom timetables');
    const dag = await dagModel(q.dag_id, q.version);
    if (!dag) throw new CustomTimetableError(`DAG '${q.dag_id}'${q.version ? ` version ${q.version}` : ''} is not known`);
    const value =
      q.op === 'next_dagrun_info'
        ? await port.nextDagRunInfo({ dag, version: q.version, last: q.last, restriction: q.restriction })
        : await port.inferManualDataInterval({ dag, version: q.version, runAfter: q.run_after });
    return { ok: true, value };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

export function lambdaCustomTimetables(client: Pick<LambdaClient, 'send'>, functionArn: string): CustomTimetables {
  const ask = async (question: TimetableQuestion): Promise<TimetableReply & { ok: true }> => {
    const out = await client.send(new InvokeCommand({ FunctionName: functionArn, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(question)) }));
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    if (out.FunctionError) throw new CustomTimetableError(`the timetable function failed (${out.FunctionError}): ${text.slice(0, 500)}`);
    const reply = JSON.parse(text) as TimetableReply;
    if (!reply.ok) throw new CustomTimetableError(reply.message);
    return reply;
  };
  return {
    async nextDagRunInfo({ dag, version, last, restriction }) {
      return (await ask({ timetable: { op: 'next_dagrun_info', dag_id: dag.dag_id, version, last, restriction } })).value as RawRunInfo | null;
    },
    async inferManualDataInterval({ dag, version, runAfter }) {
      const value = (await ask({ timetable: { op: 'infer_manual_data_interval', dag_id: dag.dag_id, version, run_after: runAfter } })).value as { start: number; end: number } | null;
      if (!value) throw new CustomTimetableError(`the timetable of DAG ${dag.dag_id} gave no data interval for a manual run`);
      return value;
    },
  };
}
