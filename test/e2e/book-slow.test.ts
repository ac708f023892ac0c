/** The one self-contained book pipeline that takes long: 03_sla_misses sleeps 30 s. See book-support.ts. */
import { useTemporarySkydagHome } from './support.js';
import { CASES_SLOW, checkBookRun, runBookDag } from './book-support.js';

useTemporarySkydagHome();

describe('skydag dags test: slow book pipelines', () => {
  it.each(CASES_SLOW.map((c) => [`${c.dag}: ${c.why}`, c] as const))('%s', async (_, c) => {
    checkBookRun(c, await runBookDag(c));
  }, 50_000);
});
