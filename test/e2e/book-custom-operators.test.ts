/**
 * The book's custom MovieLens sensor and operator (chapter 8, test/fixtures/dags/book/custom) against
 * a stand-in for the chapter's ratings API. Their template_fields (`_start_date`, `_end_date`,
 * `_output_path`) are set from other parameters or from `__init__` defaults (`start_date="{{ds}}"`)
 * and must reach the API and the file system rendered; with the literal `{{ds}}` the sensor finds no
 * ratings and times out. (ch08_movielens.py itself imports pandas, which this machine lacks.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOOK_DAGS, cli, useTemporarySkydagHome, type DagsTestJson } from './support.js';

const temp = useTemporarySkydagHome();

const queries: Record<string, string>[] = [];
let server: Server;
const saved: Record<string, string | undefined> = {};
const ENV = ['AIRFLOW_CONN_MOVIELENS'];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    queries.push(query);
    const dated = /^\d{4}-\d{2}-\d{2}$/.test(query.start_date ?? '') && /^\d{4}-\d{2}-\d{2}$/.test(query.end_date ?? '');
    const result = url.pathname === '/ratings' && dated && query.offset === '0' ? [{ movieId: 1, userId: 7, rating: 4.5, timestamp: 1546387200 }] : [];
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ result, offset: Number(query.offset ?? 0), limit: Number(query.limit ?? 100), total: dated ? 1 : 0 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  for (const key of ENV) saved[key] = process.env[key];
  process.env.AIRFLOW_CONN_MOVIELENS = `http://airflow:airflow@127.0.0.1:${port}`;
});
afterAll(async () => {
  for (const key of ENV) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  await new Promise((resolve) => server.close(resolve));
});

/** A DAGs folder with the book's `custom` package and a small DAG using its sensor and operator. */
function movielensFolder(): { folder: string; out: string } {
  const folder = temp.make('skydag-book-custom-');
  cpSync(join(BOOK_DAGS, 'custom'), join(folder, 'custom'), { recursive: true });
  const out = join(folder, 'out');
  writeFileSync(
    join(folder, 'movielens_custom.py'),
    [
      'from datetime import datetime',
      'from airflow import DAG',
      'from custom.operators import MovielensFetchRatingsOperator',
      'from custom.sensors import MovielensRatingsSensor',
      '',
      'with DAG("movielens_custom", start_date=datetime(2019, 1, 1), schedule="@daily") as dag:',
      '    wait = MovielensRatingsSensor(task_id="wait_for_ratings", conn_id="movielens", start_date="{{ds}}", end_date="{{next_ds}}", poke_interval=1, timeout=5)',
      `    fetch = MovielensFetchRatingsOperator(task_id="fetch_ratings", conn_id="movielens", output_path="${out}/{{ds}}.json")`,
      '    wait >> fetch',
    ].join('\n'),
  );
  return { folder, out };
}

describe("the book's MovielensRatingsSensor and MovielensFetchRatingsOperator (chapter 8)", () => {
  it('ask the API for the rendered interval (given, and __init__ defaults) and write to the rendered path', async () => {
    const { folder, out } = movielensFolder();
    const { code, out: stdout, err } = await cli(['dags', 'test', 'movielens_custom', '2019-01-02', '--dags-folder', folder, '--output', 'json']);
    expect({ code, err: code === 0 ? '' : err + stdout }).toEqual({ code: 0, err: '' });
    expect((JSON.parse(stdout) as DagsTestJson).task_instances.map((t) => [t.task_id, t.state])).toEqual([
      ['wait_for_ratings', 'success'],
      ['fetch_ratings', 'success'],
    ]);
    // A manual run's next_ds is its ds (Airflow 2: "next" makes no sense for an externally triggered run).
    expect(queries).toEqual([
      { start_date: '2019-01-02', end_date: '2019-01-02', offset: '0', limit: '1' },
      { start_date: '2019-01-02', end_date: '2019-01-02', offset: '0', limit: '1000' },
    ]);
    expect(JSON.parse(readFileSync(join(out, '2019-01-02.json'), 'utf8'))).toEqual([{ movieId: 1, userId: 7, rating: 4.5, timestamp: 1546387200 }]);
  }, 60_000);
});
