import { HOSTILE_DAG_FILES } from '../../test/security/hostile-dag-files.js';
import { compileDag } from '../compiler/compile.js';
import type { BoundedLoadOptions, DagFileLoader } from './bounded.js';
import { smallFilesInProcess } from './in-process.js';
import { loadDagFile } from './index.js';

const now = new Date('2024-06-01T00:00:00Z');
const GOOD = 'import os\nfrom datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n' +
  'with DAG("good_" + os.environ.get("STAGE", "dev"), start_date=datetime(2024, 1, 1), schedule="@daily") as dag:\n    BashOperator(task_id="hello", bash_command="echo {{ ds }}")\n';

/** A fallback that records what reached it. */
function recording(): DagFileLoader & { files: string[] } {
  const files: string[] = [];
  return { files, load: async (source: string, options: BoundedLoadOptions) => (files.push(options.file), { file: options.file, dags: [], diagnostics: [] }) };
}

describe('smallFilesInProcess', () => {
  it('reads a small file in process, with the result of loadDagFile and the parse environment it was given', async () => {
    const fallback = recording();
    const loader = smallFilesInProcess({ fallback: () => fallback, env: { STAGE: 'prod' } });
    const loaded = await loader.load(GOOD, { file: 'good.py', now });
    expect(loaded).toEqual(loadDagFile(GOOD, { file: 'good.py', now, env: { STAGE: 'prod' } }));
    expect(loaded.dags.map((d) => d.dag_id)).toEqual(['good_prod']);
    expect(fallback.files).toEqual([]);
  });

  it('compiles when asked, as the parse worker does', async () => {
    const loader = smallFilesInProcess({ fallback: recording, env: {} });
    const loaded = await loader.load(GOOD, { file: 'good.py', now, compile: true });
    expect(loaded.compiled).toEqual([compileDag(loaded.dags[0]!)]);
  });

  it('hands a file over the size limit to the fallback (the bounded loader)', async () => {
    const fallback = recording();
    const loader = smallFilesInProcess({ fallback: () => fallback, maxBytes: GOOD.length - 1, env: {} });
    await loader.load(GOOD, { file: 'big.py', now });
    expect(fallback.files).toEqual(['big.py']);
  });

  it.each(HOSTILE_DAG_FILES.filter((h) => h.source.length <= 256 * 1024).map((h) => [h.name, h] as const))('stops the small hostile file %s at its budget with an import error at its line', async (_name, hostile) => {
    const loader = smallFilesInProcess({ fallback: recording, env: {} });
    const loaded = await loader.load(hostile.source, { file: `dags/${hostile.name}`, now });
    expect(loaded.dags).toEqual([]);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([expect.objectContaining({ file: `dags/${hostile.name}`, line: hostile.line, code: hostile.code })]);
  });
});
