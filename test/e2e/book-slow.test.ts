/** The one self-contained book pipeline that takes long: 03_sla_misses sleeps 30 s. See book-support.ts. */
import { TempDirs } from './support.js';
import { CASES_SLOW, checkBookRun, runBookDag } from './book-support.js';

const temp = new TempDirs();
const previousHome = process.env.SKYDAG_HOME;
beforeAll(() => {
  process.env.SKYDAG_HOME = temp.make('skydag-e2e-home-');
});
afterAll(() => {
  if (previousHome === undefined) delete process.env.SKYDAG_HOME;
  else process.env.SKYDAG_HOME = previousHome;
  temp.cleanup();
});

describe('skydag dags test: slow book pipelines', () => {
  it.each(CASES_SLOW.map((c) => [`${c.dag}: ${c.why}`, c] as const))('%s', async (_, c) => {
    checkBookRun(c, await runBookDag(c));
  }, 50_000);
});
