/** POST /api/v1/dagFiles: validation before storage, diagnostics, filename sanitising, multipart and JSON. */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { call, createHarness, putDag, signInWithRole } from '../test-support.js';
import { sanitizeDagFilename } from './dag-files.js';

const VALID_PY = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(dag_id="uploaded", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False) as dag:
    a = BashOperator(task_id="a", bash_command="echo a")
    b = BashOperator(task_id="b", bash_command="echo b")
    a >> b
`;

const BROKEN_PY = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(dag_id="broken", schedule="@daily", start_date=datetime(2024, 1, 1)) as dag:
    a = BashOperator(task_id="a", bash_command="echo a")
    a >> missing_task
    c = BashOperator(task_id="c", bash_command=undefined_name)
`;

const VALID_YAML = `uploaded_yaml:
  default_args:
    owner: me
    start_date: 2024-01-01
  schedule: "@hourly"
  tasks:
    one:
      operator: airflow.operators.bash.BashOperator
      bash_command: echo one
`;

function multipart(fields: { name: string; filename?: string; content: string }[], boundary = 'skydagBoundary42') {
  const parts = fields.map(
    (f) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"${f.filename !== undefined ? `; filename="${f.filename}"` : ''}\r\n` +
      `${f.filename !== undefined ? 'Content-Type: text/x-python\r\n' : ''}\r\n${f.content}\r\n`,
  );
  return { body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('POST /api/v1/dagFiles', () => {
  it('stores a valid Python file sent as JSON and reports its DAGs', async () => {
    const h = await createHarness();
    const res = await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, body: { filename: 'uploaded.py', content: VALID_PY } });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ filename: 'uploaded.py', dags: [{ dag_id: 'uploaded', tasks: 2, schedule_interval: { __type: 'CronExpression', value: '@daily' } }] });
    expect(h.dagFiles.files.get('uploaded.py')).toBe(VALID_PY);
    const audit = (await h.store.listAuditLog({ event: 'dag_file.upload' })).items[0]!;
    expect(JSON.parse(audit.extra!).body).toEqual({ filename: 'uploaded.py', bytes: Buffer.byteLength(VALID_PY), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), dag_ids: ['uploaded'] });
    expect(audit.extra).not.toContain('BashOperator');
  });

  it('stores a valid YAML file sent as multipart/form-data', async () => {
    const h = await createHarness();
    const { body, contentType } = multipart([{ name: 'file', filename: 'team.yaml', content: VALID_YAML }]);
    const res = await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, rawBody: body, headers: { 'content-type': contentType } });
    expect(res.status).toBe(201);
    expect(res.json.dags.map((d: { dag_id: string }) => d.dag_id)).toEqual(['uploaded_yaml']);
    expect(h.dagFiles.files.get('team.yaml')).toBe(VALID_YAML);
  });

  it('a file with errors is a 400 listing every diagnostic with file:line:col; nothing stored', async () => {
    const h = await createHarness();
    const res = await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, body: { filename: 'broken.py', content: BROKEN_PY } });
    expect(res.status).toBe(400);
    expect(res.json.title).toBe('Invalid DAG file');
    expect(res.json.detail).toMatch(/^broken\.py has \d+ error\(s\); nothing was stored:\n/);
    const errors = res.json.diagnostics.filter((d: { severity: string }) => d.severity === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const d of errors) {
      expect(d).toMatchObject({ file: 'broken.py', line: expect.any(Number), col: expect.any(Number), message: expect.any(String), code: expect.stringMatching(/^SKYDAG-/) });
      expect(res.json.detail).toContain(`broken.py:${d.line}:${d.col}:`);
    }
    expect(res.json.detail).toMatch(/missing_task/);
    expect(res.json.detail).toMatch(/undefined_name/);
    expect(h.dagFiles.files.size).toBe(0);
    expect((await h.store.listAuditLog({ event: 'dag_file.upload' })).items[0]).toMatchObject({ event: 'dag_file.upload' });
  });

  it('refuses unsafe or unsupported file names; nothing stored', async () => {
    const h = await createHarness();
    const names = ['../evil.py', '..\\evil.py', 'sub/dir.py', '/etc/cron.py', '.hidden.py', 'x..py', 'notes.txt', 'noext', 'spaced name.py', '', 'ünï.py', 'a\u0000.py'];
    for (const filename of names) {
      const res = await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, body: { filename, content: VALID_PY } });
      expect([filename, res.status]).toEqual([filename, 400]);
      expect(res.json.detail).toMatch(/^invalid filename/);
    }
    const { body, contentType } = multipart([{ name: 'file', filename: '../../dags/evil.py', content: VALID_PY }]);
    expect((await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, rawBody: body, headers: { 'content-type': contentType } })).status).toBe(400);
    expect(h.dagFiles.files.size).toBe(0);
    expect(sanitizeDagFilename('daily_etl-v2.yml')).toBe('daily_etl-v2.yml');
  });

  it('refuses files that would never load: no DAG, not a DAG candidate, a DAG id another file defines', async () => {
    const h = await createHarness();
    const helper = await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, body: { filename: 'helpers.py', content: 'def f():\n    return 1\n' } });
    expect(helper.json.detail).toMatch(/not a DAG file/);
    const empty = await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, body: { filename: 'none.py', content: '# airflow dag helpers\nX = 1\n' } });
    expect(empty.status).toBe(400);
    expect(empty.json.detail).toMatch(/defines no DAG/);
    const clash = await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, body: { filename: 'copy.py', content: VALID_PY.replace('"uploaded"', '"etl"') } });
    expect(clash.status).toBe(400);
    expect(clash.json.detail).toMatch(/DAG id 'etl' is already defined in 'etl\.py'/);
    // Re-uploading the file that defines a DAG is an update, not a clash.
    expect((await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, body: { filename: 'etl.py', content: VALID_PY.replace('"uploaded"', '"etl"') } })).status).toBe(201);
    expect([...h.dagFiles.files.keys()]).toEqual(['etl.py']);
  });

  it('bad transport: other media types 415, malformed JSON 400, non-UTF-8 400, missing parts 400', async () => {
    const h = await createHarness();
    const xml = await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, rawBody: '<dag/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.status).toBe(415);
    const malformed = await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, rawBody: '{"filename":', headers: { 'content-type': 'application/json' } });
    expect([malformed.status, malformed.json.detail]).toEqual([400, expect.stringMatching(/^request body is not valid JSON/)]);
    const latin = multipart([{ name: 'file', filename: 'x.py', content: 'placeholder' }]);
    const bytes = Buffer.from(latin.body.toString('latin1').replace('placeholder', 'caf\u00e9 airflow dag'), 'latin1');
    const notUtf8 = await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, rawBody: bytes, headers: { 'content-type': latin.contentType } });
    expect([notUtf8.status, notUtf8.json.detail]).toEqual([400, 'the DAG file is not valid UTF-8 text']);
    const noFile = multipart([{ name: 'other', content: 'x' }]);
    expect((await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, rawBody: noFile.body, headers: { 'content-type': noFile.contentType } })).json.detail).toBe("multipart body has no 'file' part");
    const renamed = multipart([
      { name: 'file', filename: 'blob', content: VALID_PY },
      { name: 'filename', content: 'renamed.py' },
    ]);
    expect((await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, rawBody: renamed.body, headers: { 'content-type': renamed.contentType } })).status).toBe(201);
    expect([...h.dagFiles.files.keys()]).toEqual(['renamed.py']);
  });
});

describe('DELETE /api/v1/dagFiles/{filename}', () => {
  it('deletes an existing file (Op), audits it, and answers 404 for a file that is not there', async () => {
    const h = await createHarness();
    await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, body: { filename: 'uploaded.py', content: VALID_PY } });
    expect((await call(h, 'DELETE', '/api/v1/dagFiles/uploaded.py', { token: h.tokens.Op })).status).toBe(204);
    expect(h.dagFiles.files.has('uploaded.py')).toBe(false);
    const audit = (await h.store.listAuditLog({ event: 'dag_file.delete' })).items[0]!;
    expect(JSON.parse(audit.extra!)).toMatchObject({ status: 204, body: { filename: 'uploaded.py' } });
    const gone = await call(h, 'DELETE', '/api/v1/dagFiles/uploaded.py', { token: h.tokens.Op });
    expect([gone.status, gone.json.detail]).toEqual([404, "There is no DAG file 'uploaded.py' in the DAGs folder"]);
  });

  it('refuses roles below Op and unsafe names, deleting nothing', async () => {
    const h = await createHarness();
    await call(h, 'POST', '/api/v1/dagFiles', { token: h.tokens.Op, body: { filename: 'uploaded.py', content: VALID_PY } });
    expect((await call(h, 'DELETE', '/api/v1/dagFiles/uploaded.py', { token: h.tokens.User })).status).toBe(403);
    expect((await call(h, 'DELETE', '/api/v1/dagFiles/..%2Fuploaded.py', { token: h.tokens.Op })).status).toBe(400);
    expect((await call(h, 'DELETE', '/api/v1/dagFiles/.hidden.py', { token: h.tokens.Op })).status).toBe(400);
    expect(h.dagFiles.files.has('uploaded.py')).toBe(true);
  });
});

describe('DELETE /api/v1/dagFiles/{filename} with per-DAG permissions', () => {
  it('needs can_delete on every DAG the file defines; a file of DAGs the caller cannot see answers as absent', async () => {
    const h = await createHarness();
    for (const dagId of ['mine', 'seen', 'hidden']) {
      await putDag(h.store, makeDag(dagId, [makeTask('t')]));
      h.dagFiles.files.set(`${dagId}.py`, '# a DAG file');
    }
    const token = await signInWithRole(h, 'deleters', [['can_delete', 'DAG Files'], ['can_read', 'DAG:mine'], ['can_delete', 'DAG:mine'], ['can_read', 'DAG:seen']]);
    expect((await call(h, 'DELETE', '/api/v1/dagFiles/mine.py', { token })).status).toBe(204);
    const seen = await call(h, 'DELETE', '/api/v1/dagFiles/seen.py', { token });
    expect([seen.status, seen.json.detail]).toEqual([403, expect.stringContaining('it needs can_delete on every DAG that seen.py defines')]);
    const hidden = await call(h, 'DELETE', '/api/v1/dagFiles/hidden.py', { token });
    const absent = await call(h, 'DELETE', '/api/v1/dagFiles/absent.py', { token });
    expect([hidden.status, hidden.json.detail]).toEqual([404, absent.json.detail.replace('absent.py', 'hidden.py')]);
    expect([...h.dagFiles.files.keys()].sort()).toEqual(['hidden.py', 'seen.py']);
  });
});

describe('POST /api/v1/dagFiles/validate', () => {
  it("applies the upload's per-DAG checks: can_edit on every DAG the file defines", async () => {
    const h = await createHarness();
    const editor = await signInWithRole(h, 'editors', [['can_create', 'DAG Files'], ['can_read', 'DAG:uploaded'], ['can_edit', 'DAG:uploaded']]);
    const other = await signInWithRole(h, 'others', [['can_create', 'DAG Files'], ['can_read', 'DAG:other'], ['can_edit', 'DAG:other']]);
    const ok = await call(h, 'POST', '/api/v1/dagFiles/validate', { token: editor, body: { filename: 'uploaded.py', content: VALID_PY } });
    expect([ok.status, ok.json.valid]).toEqual([200, true]);
    const refused = await call(h, 'POST', '/api/v1/dagFiles/validate', { token: other, body: { filename: 'uploaded.py', content: VALID_PY } });
    expect([refused.status, refused.json.detail]).toEqual([403, expect.stringContaining("it needs can_edit on DAG 'uploaded'")]);
  });

  it("answers every diagnostic at line:col and the DAGs' tasks, stores nothing and audits nothing", async () => {
    const h = await createHarness();
    const ok = await call(h, 'POST', '/api/v1/dagFiles/validate', { token: h.tokens.Op, body: { filename: 'uploaded.py', content: VALID_PY } });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ filename: 'uploaded.py', valid: true, dags: [{ dag_id: 'uploaded', schedule_interval: { __type: 'CronExpression', value: '@daily' } }] });
    expect(ok.json.dags[0].tasks.map((t: { task_id: string }) => t.task_id)).toHaveLength(2);
    const bad = await call(h, 'POST', '/api/v1/dagFiles/validate', { token: h.tokens.Op, body: { filename: 'broken.py', content: BROKEN_PY } });
    expect(bad.status).toBe(200);
    expect(bad.json.valid).toBe(false);
    expect(bad.json.dags).toEqual([]);
    const errors = bad.json.diagnostics.filter((d: { severity: string }) => d.severity === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const d of errors) expect(d).toMatchObject({ file: 'broken.py', line: expect.any(Number), col: expect.any(Number), code: expect.stringMatching(/^SKYDAG-/) });
    expect(h.dagFiles.files.size).toBe(0);
    expect((await h.store.listAuditLog()).items.filter((a) => a.event.includes('dag_file'))).toEqual([]);
  });

  it('reports files that can never load and DAG ids of other files as diagnostics; refuses bad names and roles below Op', async () => {
    const h = await createHarness();
    const helper = await call(h, 'POST', '/api/v1/dagFiles/validate', { token: h.tokens.Op, body: { filename: 'helpers.py', content: 'x = 1\n' } });
    expect(helper.json).toMatchObject({ valid: false, diagnostics: [{ line: 1, col: 1, severity: 'error', message: expect.stringMatching(/not a DAG file/) }] });
    const none = await call(h, 'POST', '/api/v1/dagFiles/validate', { token: h.tokens.Op, body: { filename: 'none.py', content: '# airflow dag helpers\nX = 1\n' } });
    expect(none.json.valid).toBe(false);
    expect(none.json.diagnostics).toContainEqual(expect.objectContaining({ message: 'none.py defines no DAG', severity: 'error' }));
    const clash = await call(h, 'POST', '/api/v1/dagFiles/validate', { token: h.tokens.Op, body: { filename: 'copy.py', content: VALID_PY.replace('"uploaded"', '"etl"') } });
    expect(clash.json.valid).toBe(false);
    expect(clash.json.diagnostics[0].message).toBe("DAG id 'etl' is already defined in 'etl.py'");
    expect((await call(h, 'POST', '/api/v1/dagFiles/validate', { token: h.tokens.Op, body: { filename: '../x.py', content: VALID_PY } })).status).toBe(400);
    expect((await call(h, 'POST', '/api/v1/dagFiles/validate', { token: h.tokens.User, body: { filename: 'x.py', content: VALID_PY } })).status).toBe(403);
  });
});
