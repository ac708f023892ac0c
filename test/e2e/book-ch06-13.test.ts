/**
 * The book's example pipelines, chapters 6–13, run with `skydag dags test` (in-process CLI, --output
 * json) on test/fixtures/dags/book; plus the two ExternalTaskSensor DAGs of chapter 6, run with the
 * runtime API after the DAGs they wait for, in the same metadata store. See book-support.ts.
 */
import { BOOK_DAGS, e2eRuntime, runDag, statesAndTries, useTemporarySkydagHome } from './support.js';
import { CASES_CH06_13, checkBookRun, runBookDag } from './book-support.js';

const temp = useTemporarySkydagHome();

describe('skydag dags test: the book, chapters 6–13', () => {
  it.each(CASES_CH06_13.map((c) => [`${c.dag}${c.date ? ` ${c.date}` : ''}: ${c.why}`, c] as const))('%s', async (_, c) => {
    checkBookRun(c, await runBookDag(c));
  }, 20_000);
});

describe('ExternalTaskSensor DAGs of chapter 6, after the runs they wait for', () => {
  it('figure_6_19_dag_4: the report waits for etl of dags 1–3 at the same logical date', async () => {
    const runtime = e2eRuntime(temp, BOOK_DAGS);
    const logicalDate = new Date('2024-01-02T00:00:00Z');
    for (const id of ['figure_6_19_dag_1', 'figure_6_19_dag_2', 'figure_6_19_dag_3']) {
      expect((await runDag(runtime, id, { logicalDate, runType: 'scheduled' })).run.state).toBe('success');
    }
    const { run, tasks } = await runDag(runtime, 'figure_6_19_dag_4', { logicalDate });
    runtime.close();
    expect(statesAndTries(tasks)).toEqual({ wait_for_etl_dag1: ['success', 1], wait_for_etl_dag2: ['success', 1], wait_for_etl_dag3: ['success', 1], report: ['success', 1] });
    expect(run.state).toBe('success');
  });

  it('figure_6_20_dag_2: execution_delta=6h finds dag_1’s run six hours earlier', async () => {
    const runtime = e2eRuntime(temp, BOOK_DAGS);
    // The book's schedules (16:00 and 18:00) are 2 h apart, so the 6 h delta never matches a real
    // schedule; a dag_1 run at 12:00 is the one a dag_2 run at 18:00 looks for.
    expect((await runDag(runtime, 'figure_6_20_dag_1', { logicalDate: new Date('2024-01-02T12:00:00Z') })).run.state).toBe('success');
    const { run, tasks } = await runDag(runtime, 'figure_6_20_dag_2', { logicalDate: new Date('2024-01-02T18:00:00Z') });
    runtime.close();
    expect(statesAndTries(tasks)).toEqual({ wait_for_process_supermarket: ['success', 1], report: ['success', 1] });
    expect(run.state).toBe('success');
  });
});
