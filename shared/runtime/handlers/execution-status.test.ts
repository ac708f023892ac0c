/** The execution-status handler: an execution that ended abnormally leaves no run running. */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { executionName } from '../execution-names.js';
import { handlerHarness, type HandlerHarness } from '../test-support/handler-harness.js';
import { EXECUTION_STATUS_DETAIL_TYPE, onExecutionStatusChange, type ExecutionStatus, type ExecutionStatusEvent } from './execution-status.js';
import { prepare } from './prepare.js';

const py = (id: string) => makeTask(id, { operator: 'PythonOperator', operator_kind: 'python' });

function event(h: HandlerHarness, status: ExecutionStatus, extra: Partial<ExecutionStatusEvent['detail']> = {}): ExecutionStatusEvent {
  const name = executionName(h.run, 0);
  return {
    'detail-type': EXECUTION_STATUS_DETAIL_TYPE,
    source: 'aws.states',
    detail: { executionArn: `arn:x:${name}`, stateMachineArn: 'arn:m', name, status, input: JSON.stringify({ run: h.ref }), error: null, cause: null, ...extra },
  };
}

async function states(h: HandlerHarness) {
  const tis = await h.deps.store.listTaskInstances(h.ref.dag_id, h.ref.run_id);
  return { run: (await h.deps.store.getDagRun(h.ref.dag_id, h.ref.run_id))?.state, tasks: Object.fromEntries(tis.map((t) => [t.task_id, t.state])) };
}

describe('onExecutionStatusChange', () => {
  it.each([
    ['FAILED', { error: 'States.Runtime', cause: 'boom' }, 'failed'],
    ['ABORTED', {}, 'failed'],
    ['TIMED_OUT', {}, 'skipped'],
  ] as const)('finalizes a running run whose execution ended %s', async (status, extra, unfinished) => {
    const h = await handlerHarness(makeDag(`abnormal_${status}`, [py('a'), py('b')], [['a', 'b']]));
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
    const outcome = await onExecutionStatusChange(h.deps, event(h, status, extra));
    expect(outcome).toEqual({ action: 'finalized', run: h.ref, state: 'failed' });
    expect(await states(h)).toEqual({ run: 'failed', tasks: { a: unfinished, b: unfinished } });
    // Delivered again: nothing more happens.
    expect(await onExecutionStatusChange(h.deps, event(h, status, extra))).toMatchObject({ action: 'ignored' });
  });

  it('ignores successes, the machine’s own failure after finalize, other executions and inputs that are no run', async () => {
    const h = await handlerHarness(makeDag('abnormal_ignored', [py('a')]));
    expect(await onExecutionStatusChange(h.deps, event(h, 'SUCCEEDED'))).toMatchObject({ action: 'ignored' });
    expect(await onExecutionStatusChange(h.deps, event(h, 'FAILED', { error: 'Skydag.DagRunFailed' }))).toMatchObject({ action: 'ignored' });
    expect(await onExecutionStatusChange(h.deps, event(h, 'FAILED', { name: executionName(h.run, 7) }))).toMatchObject({ action: 'ignored' });
    expect(await onExecutionStatusChange(h.deps, event(h, 'FAILED', { input: '{"other":1}' }))).toMatchObject({ action: 'ignored' });
    expect(await onExecutionStatusChange(h.deps, event(h, 'FAILED', { input: 'not json' }))).toMatchObject({ action: 'ignored' });
    expect((await states(h)).run).toBe('running');
  });
});
