/**
 * The extra a task gives its outlets' dataset events (Airflow 2.10): `outlet_events[dataset].extra`
 * (by Dataset or URI) and `yield Metadata(dataset, {...})` from a generator task, whose return value
 * is still its XCom. The extra is recorded on the event of that outlet; a dataset that is not an
 * outlet of the task fails it (test/fixtures/e2e/outlet_events.py).
 */
import { runDag, statesAndTries, tryLog, useE2eRuntime } from './support.js';

const e2e = useE2eRuntime();

it("records the extra a task's code gave its outlets' events", async () => {
  const { run, tasks } = await runDag(e2e.runtime, 'e2e_outlet_events');
  expect(statesAndTries(tasks)).toEqual({ by_context: ['success', 1], by_yield: ['success', 1], classic: ['success', 1], not_an_outlet: ['failed', 1] });
  expect(tasks.by_yield!.xcom.return_value).toBe('done');
  const events = (await e2e.runtime.store.listDatasetEvents()).items.filter((e) => e.source_run_id === run.run_id);
  const bySource = Object.fromEntries(events.map((e) => [e.source_task_id, { uri: e.uri, extra: e.extra }]));
  expect(bySource).toEqual({
    by_context: { uri: 's3://e2e/orders.csv', extra: { rows: 10, source: 'api' } },
    by_yield: { uri: 's3://e2e/report.csv', extra: { pages: 3 } },
    classic: { uri: 's3://e2e/orders.csv', extra: { classic: true } },
  });
  expect(await tryLog(e2e.runtime, run, 'by_yield', 1)).toContain("Ignoring unknown data of <class 'str'> received from task");
  expect(await tryLog(e2e.runtime, run, 'not_an_outlet', 1)).toContain("outlet_events: 's3://e2e/report.csv' is not an outlet of task not_an_outlet");
});

it("gives a task its inlets' events (oldest first) as inlet_events, by Dataset, URI or inlet position, in code and templates", async () => {
  await runDag(e2e.runtime, 'e2e_outlet_events'); // records events of both datasets (again)
  const { tasks } = await runDag(e2e.runtime, 'e2e_inlet_events');
  expect(statesAndTries(tasks)).toEqual({ read: ['success', 1], templated: ['success', 1] });
  const value = tasks.read!.xcom.return_value as Record<string, unknown[]>;
  // Two producer runs so far (this test file's): orders got an event from by_context and classic each time.
  expect(value.orders).toEqual([{ rows: 10, source: 'api' }, { classic: true }, { rows: 10, source: 'api' }, { classic: true }]);
  expect(value.report_by_uri).toEqual([{ pages: 3 }, { pages: 3 }]);
  expect(value.first_inlet_last).toEqual({ classic: true });
  expect(value.never).toEqual([]);
  // The shell drops the quotes of the rendered {'classic': True}, as it would under Airflow.
  expect(tasks.templated!.xcom.return_value).toBe('{classic: True}');
});
