/**
 * The API's custom-timetable questions in the cloud: sent to the scheduler function (which has
 * Python) with Lambda's Invoke, answered there by its CustomTimetables port. The invoke's request
 * shape is asserted; the "function" is the real scheduler handler over a recording port.
 */
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import type { Dag } from '../shared/model/schema.js';
import type { RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import type { CustomTimetables } from '../shared/scheduling/custom-timetable.js';
import { manualDataInterval, nextRunInfo } from '../shared/scheduling/custom-timetable.js';
import { scheduledDag } from '../shared/scheduling/test-support.js';
import { CustomTimetableError } from '../shared/scheduling/timetable.js';
import { createSchedulerHandler, type SchedulerPassContext } from './scheduler.js';
import { lambdaCustomTimetables } from './timetable-client.js';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:skydag-scheduler';
const dag: Dag = scheduledDag('workdays', { schedule: { type: 'custom', timetable: 'Workdays' }, start_date: '2024-01-01T00:00:00Z' });

function schedulerFunction(port: CustomTimetables | undefined) {
  const asked: unknown[] = [];
  const deps = {
    ...(port ? { timetables: port } : {}),
    dags: { getDag: async (dagId: string, version?: string | null) => (asked.push(['getDag', dagId, version]), dagId === dag.dag_id ? dag : undefined) },
  } as unknown as RuntimeDeps;
  const handler = createSchedulerHandler(async () => ({ deps, store: {}, runs: {} }) as unknown as SchedulerPassContext);
  const invokes: { FunctionName?: string; InvocationType?: string; payload: unknown }[] = [];
  const client = {
    async send(command: InvokeCommand) {
      const payload = JSON.parse(Buffer.from(command.input.Payload as Uint8Array).toString('utf8')) as unknown;
      invokes.push({ FunctionName: command.input.FunctionName, InvocationType: command.input.InvocationType, payload });
      const reply = await handler(payload, {} as Context);
      return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(reply)) };
    },
  } as unknown as LambdaClient;
  return { timetables: lambdaCustomTimetables(client, ARN), invokes, asked };
}

const port: CustomTimetables = {
  async nextDagRunInfo({ dag: d, last, restriction }) {
    expect(d.dag_id).toBe('workdays');
    const start = last ? last.end : restriction.earliest!;
    return { logicalDate: start, start, end: start + 86_400_000, runAfter: start + 86_400_000 };
  },
  async inferManualDataInterval({ runAfter }) {
    return { start: runAfter - 86_400_000, end: runAfter };
  },
};

it('asks the scheduler function synchronously and takes its answers', async () => {
  const fn = schedulerFunction(port);
  const next = await nextRunInfo(dag, null, { now: new Date('2024-02-01T00:00:00Z'), timetables: fn.timetables, version: 'v7' });
  expect(next!.dataInterval.end.toISOString()).toBe('2024-01-02T00:00:00.000Z');
  const manual = await manualDataInterval(dag, new Date('2024-01-10T00:00:00Z'), { timetables: fn.timetables });
  expect(manual.start.toISOString()).toBe('2024-01-09T00:00:00.000Z');
  expect(fn.invokes).toEqual([
    {
      FunctionName: ARN,
      InvocationType: 'RequestResponse',
      payload: { timetable: { op: 'next_dagrun_info', dag_id: 'workdays', version: 'v7', last: null, restriction: { earliest: Date.parse('2024-01-01T00:00:00Z'), latest: null, catchup: true } } },
    },
    { FunctionName: ARN, InvocationType: 'RequestResponse', payload: { timetable: { op: 'infer_manual_data_interval', dag_id: 'workdays', version: null, run_after: Date.parse('2024-01-10T00:00:00Z') } } },
  ]);
  expect(fn.asked).toEqual([['getDag', 'workdays', 'v7'], ['getDag', 'workdays', null]]);
});

it('raises what the function could not answer, and a failed invoke', async () => {
  const raising = schedulerFunction({ ...port, inferManualDataInterval: async () => Promise.reject(new CustomTimetableError('ValueError: no calendar')) });
  await expect(manualDataInterval(dag, new Date(), { timetables: raising.timetables })).rejects.toThrow(new CustomTimetableError('ValueError: no calendar'));
  const unknownDag = { ...dag, dag_id: 'gone' };
  await expect(manualDataInterval(unknownDag, new Date(), { timetables: raising.timetables })).rejects.toThrow("DAG 'gone' is not known");
  await expect(manualDataInterval(dag, new Date(), { timetables: schedulerFunction(undefined).timetables })).rejects.toThrow('this function cannot run custom timetables');
  const failing = { send: async () => ({ StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from('{"errorMessage":"Task timed out"}') }) } as unknown as LambdaClient;
  await expect(manualDataInterval(dag, new Date(), { timetables: lambdaCustomTimetables(failing, ARN) })).rejects.toThrow(/the timetable function failed \(Unhandled\): \{"errorMessage":"Task timed out"\}/);
});
