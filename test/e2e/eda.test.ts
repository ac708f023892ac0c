/**
 * EDA end to end: the profiling DAG generated for a source runs Debian's pandas profiler on a hostile
 * CSV (markup and script in column names and values), and the HTML report rendered from its summary
 * carries the data only as escaped text.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { EdaSources, defaultEdaPython } from '../../shared/eda/sources.js';
import { renderReport } from '../../shared/eda/report.js';
import { Repository } from '../../shared/repository/repository.js';
import { e2eRuntime, runDag, TempDirs, tryLog } from './support.js';

const HOSTILE_CSV = [
  'id,score,"<script>alert(1)</script>",city',
  '1,3.5,"<img src=x onerror=alert(1)>",Pune',
  '2,,"</style><script>steal()</script>",Pune',
  '3,7,"""><svg onload=alert(1)>",Delhi',
  '4,8.5,plain,',
  '',
].join('\n');

const hasPandas = (() => {
  try {
    execFileSync(defaultEdaPython(), ['-c', 'import pandas'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const temp = new TempDirs();
let runtime: LocalRuntime;
let eda: EdaSources;

beforeAll(async () => {
  const blobs = new FsBlobStore(temp.make('skydag-e2e-eda-blobs-'));
  const repository = new Repository({ records: new MemoryMetadataStore(), blobs, locate: (key) => blobs.pathOf(key) });
  eda = new EdaSources({ blobs, repository, locate: (key) => blobs.pathOf(key), clock: () => new Date('2024-03-05T10:00:00Z') });
  const data = Buffer.from(HOSTILE_CSV);
  const session = await repository.startUpload({ kind: 'dataset', name: 'customers', file_name: 'customers.csv', size: data.length }, 'op');
  await repository.putChunk(session.upload_id, 'dataset', 0, data);
  await repository.completeUpload(session.upload_id, 'dataset');
  await eda.put('customers', { dataset: { name: 'customers' } }, 'op');
  const folder = temp.make('skydag-e2e-eda-dags-');
  for (const level of ['L0', 'L1'] as const) {
    const dag = await eda.dagFor('customers', level);
    writeFileSync(join(folder, dag.filename), dag.content);
  }
  runtime = e2eRuntime(temp, folder);
}, 30_000);
afterAll(() => {
  runtime.close();
  temp.cleanup();
});

(hasPandas ? describe : describe.skip)('EDA profiling DAG (needs python3-pandas)', () => {
  it('profiles the source at L0 and L1; the report shows the data escaped and runs nothing from it', async () => {
    const logicalDate = new Date('2024-03-05T10:00:00Z');
    for (const level of ['L0', 'L1'] as const) {
      const result = await runDag(runtime, `eda__customers__${level}`, { logicalDate });
      expect({ level, state: result.tasks.profile!.state, log: result.tasks.profile!.state === 'success' ? '' : await tryLog(runtime, result.run, 'profile', 1) }).toEqual({ level, state: 'success', log: '' });
    }
    expect(await eda.reports('customers')).toEqual([
      { report_id: 'L0-20240305T100000', level: 'L0', ready: true, dag_id: 'eda__customers__L0', dag_run_id: 'eda__20240305T100000' },
      { report_id: 'L1-20240305T100000', level: 'L1', ready: true, dag_id: 'eda__customers__L1', dag_run_id: 'eda__20240305T100000' },
    ]);
    const l0 = (await eda.summary('customers', 'L0-20240305T100000')) as { rows: number; columns: number; column_profiles: { name: string; nulls: number; type: string; mean?: number }[] };
    expect([l0.rows, l0.columns]).toEqual([4, 4]);
    const score = l0.column_profiles.find((c) => c.name === 'score')!;
    expect(score).toMatchObject({ type: 'number', nulls: 1, mean: 19 / 3 });
    const l1 = (await eda.summary('customers', 'L1-20240305T100000')) as { correlations: { columns: string[] } };
    expect(l1.correlations.columns).toEqual(['id', 'score']);

    const html = renderReport(l1, 'EDA of customers');
    // Every real tag is one the renderer writes, and none carries an event handler.
    const tags = [...html.matchAll(/<([a-z][a-z0-9]*)\b[^>]*>/gi)];
    expect([...new Set(tags.map((t) => t[1]!.toLowerCase()))].sort()).toEqual(['body', 'div', 'h1', 'h2', 'h3', 'h4', 'head', 'html', 'meta', 'p', 'rect', 'section', 'style', 'svg', 'table', 'tbody', 'td', 'th', 'thead', 'title', 'tr']);
    expect(tags.filter((t) => /\son\w+\s*=/i.test(t[0]))).toEqual([]);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;/style&gt;&lt;script&gt;steal()&lt;/script&gt;');
  }, 60_000);
});
