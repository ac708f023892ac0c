/**
 * The book's example pipelines, chapters 1–5, run with `skydag dags test` (in-process CLI, --output
 * json) on test/fixtures/dags/book: exit code, run state, every task's state, try number and XComs,
 * and what the book says their logs show. See book-support.ts for the catalogue and the exclusions.
 */
import { scan, BOOK_DAGS, useTemporarySkydagHome } from './support.js';
import { CASES_CH01_05, CASES_CH06_13, CASES_SLOW, checkBookRun, EXCLUDED, RUN_TOGETHER, runBookDag } from './book-support.js';

useTemporarySkydagHome();

describe('the book catalogue', () => {
  it('covers every DAG of the book folder: run, run together, or excluded with the external system it needs', () => {
    const all = [...scan(BOOK_DAGS).dags.keys()].sort();
    const run = new Set([...CASES_CH01_05, ...CASES_CH06_13, ...CASES_SLOW].map((c) => c.dag));
    const accounted = [...new Set([...run, ...RUN_TOGETHER, ...Object.keys(EXCLUDED)])].sort();
    expect(accounted).toEqual(all);
    expect([...run].filter((id) => id in EXCLUDED)).toEqual([]);
  });
});

describe('skydag dags test: the book, chapters 1–5', () => {
  it.each(CASES_CH01_05.map((c) => [`${c.dag}${c.date ? ` ${c.date}` : ''}: ${c.why}`, c] as const))('%s', async (_, c) => {
    checkBookRun(c, await runBookDag(c));
  }, 20_000);
});
