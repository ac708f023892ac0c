import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PyValue } from '../../model/schema.js';
import { createFileSensor, fileSensorPath, pyPathJoin } from './file-sensor.js';
import { fnmatch, fnmatchRegExp, glob } from './glob.js';
import { FakeClock, makeRequest, makeTask, sensorSettings } from './test-request.js';
import type { Connection } from './types.js';
import { TaskFailedError } from './types.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'skydag-fs-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function touch(rel: string, content = 'x'): Promise<void> {
  const full = path.join(root, rel);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, content);
}

const rel = (paths: string[]) => paths.map((p) => path.relative(root, p));

describe('fnmatch (Python semantics)', () => {
  it.each([
    ['data.csv', '*.csv', true],
    ['dir/data.csv', '*.csv', true], // fnmatch's * crosses /
    ['data.csv', 'data.?sv', true],
    ['data.tsv', 'data.[ct]sv', true],
    ['data.psv', 'data.[!ct]sv', true],
    ['data.csv', 'data.[!ct]sv', false],
    ['file[1', 'file[1', true], // unclosed [ is literal
    ['a.b', 'a?b', true],
    ['a+b', 'a+b', true], // regex metacharacters are literal
    ['Data.csv', 'data.csv', false], // case-sensitive
    ['x-1', 'x-[0-9]', true],
    ['x-a', 'x-[0-9]', false],
    ['a]', '[]]', false],
    [']', '[]]', true],
  ])('%s vs %s → %s', (name, pattern, expected) => {
    expect(fnmatch(name, pattern)).toBe(expected);
  });

  it('translates to an anchored regular expression', () => {
    expect(fnmatchRegExp('a*b?').source).toBe('^a[\\s\\S]*b[\\s\\S]$');
  });
});

describe('glob (Python glob.glob semantics)', () => {
  beforeEach(async () => {
    await touch('data/a.csv');
    await touch('data/b.csv');
    await touch('data/.hidden.csv');
    await touch('data/notes.txt');
    await touch('data/sub/c.csv');
    await touch('data/sub/deeper/d.csv');
  });

  it('matches one segment at a time and hides dot-files from wildcards', async () => {
    expect(rel(await glob(`${root}/data/*.csv`))).toEqual(['data/a.csv', 'data/b.csv']);
    expect(rel(await glob(`${root}/data/.*.csv`))).toEqual(['data/.hidden.csv']);
    expect(rel(await glob(`${root}/*/sub/*.csv`))).toEqual(['data/sub/c.csv']);
  });

  it('returns a literal path only when it exists', async () => {
    expect(rel(await glob(`${root}/data/a.csv`))).toEqual(['data/a.csv']);
    expect(await glob(`${root}/data/zzz.csv`)).toEqual([]);
  });

  it('treats ** as * unless recursive', async () => {
    expect(rel(await glob(`${root}/data/**/*.csv`))).toEqual(['data/sub/c.csv']);
    expect(rel(await glob(`${root}/data/**/*.csv`, true))).toEqual(['data/a.csv', 'data/b.csv', 'data/sub/c.csv', 'data/sub/deeper/d.csv']);
    expect(rel(await glob(`${root}/data/sub/**`, true))).toEqual(['data/sub', 'data/sub/c.csv', 'data/sub/deeper', 'data/sub/deeper/d.csv']);
  });
});

function sensorTask(args: Record<string, PyValue>, timeout = 600) {
  return makeTask({
    task_id: 'wait_for_file',
    operator: 'FileSensor',
    operator_kind: 'file_sensor',
    args,
    sensor: sensorSettings({ poke_interval_seconds: 60, timeout_seconds: timeout }),
  });
}

function request(args: Record<string, PyValue>, clock: FakeClock, connections: Record<string, Partial<Connection>> = {}, timeout = 600) {
  return makeRequest({ task: sensorTask(args, timeout), now: clock.now, connections });
}

describe('FileSensor path', () => {
  it('joins filepath to the fs_default connection path like os.path.join', async () => {
    const clock = new FakeClock();
    expect(await fileSensorPath(request({ filepath: 'in/data.csv' }, clock, { fs_default: { extra: { path: '/srv/data' } } }))).toBe('/srv/data/in/data.csv');
    expect(await fileSensorPath(request({ filepath: '/abs/x' }, clock, { fs_default: { extra: { path: '/srv/data' } } }))).toBe('/abs/x');
    expect(await fileSensorPath(request({ filepath: 'x', fs_conn_id: 'mine' }, clock, { mine: { extra: { path: '/m/' } } }))).toBe('/m/x');
  });

  it('uses / when fs_default is not defined (Airflow’s default connection), fails for an undefined named connection', async () => {
    const clock = new FakeClock();
    expect(await fileSensorPath(request({ filepath: 'data/x.csv' }, clock))).toBe('/data/x.csv');
    await expect(fileSensorPath(request({ filepath: 'x', fs_conn_id: 'nope' }, clock))).rejects.toThrow(
      new TaskFailedError("The conn_id `nope` isn't defined"),
    );
  });

  it('keeps a relative path relative when the connection has no path extra', async () => {
    expect(await fileSensorPath(request({ filepath: 'rel/x' }, new FakeClock(), { fs_default: { extra: {} } }))).toBe('rel/x');
    expect(pyPathJoin('', 'a')).toBe('a');
  });
});

describe('FileSensor', () => {
  it('succeeds at once when the file exists and logs like Airflow', async () => {
    await touch('in/data.csv');
    const clock = new FakeClock();
    const req = request({ filepath: 'in/data.csv' }, clock, { fs_default: { extra: { path: root } } });
    await expect(createFileSensor({ sleep: clock.sleep })(req)).resolves.toEqual({ outcome: 'success' });
    const infos = req.log.infos();
    expect(infos[0]).toBe(`Poking for file ${root}/in/data.csv`);
    expect(infos[1]).toMatch(new RegExp(`^Found File ${root}/in/data\\.csv last modified: \\d{14}$`));
    expect(infos[2]).toBe('Success criteria met. Exiting.');
  });

  it('pokes until a glob matches (the file lands after two waits)', async () => {
    const clock = new FakeClock();
    let waits = 0;
    const sleep = async (ms: number, signal: AbortSignal) => {
      await clock.sleep(ms, signal);
      if (++waits === 2) await touch('landing/data-2024.csv');
    };
    const req = request({ filepath: `${root}/landing/data-*.csv` }, clock);
    await expect(createFileSensor({ sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(clock.sleeps).toEqual([60, 60]);
    expect(req.log.infos().filter((l) => l.startsWith('Poking for file'))).toHaveLength(3);
  });

  it('treats a directory as present only when a file exists somewhere below it', async () => {
    await mkdir(path.join(root, 'out/empty/nested'), { recursive: true });
    const clock = new FakeClock();
    const sensor = createFileSensor({ sleep: clock.sleep });
    await expect(sensor(request({ filepath: `${root}/out` }, clock, {}, 100))).rejects.toThrow('Sensor has timed out');
    await touch('out/empty/nested/.done');
    await expect(sensor(request({ filepath: `${root}/out` }, clock, {}, 100))).resolves.toEqual({ outcome: 'success' });
  });

  it('does not count a symlinked directory as a file', async () => {
    await touch('target/file.txt');
    await mkdir(path.join(root, 'watch'));
    await symlink(path.join(root, 'target'), path.join(root, 'watch/link'));
    const clock = new FakeClock();
    await expect(createFileSensor({ sleep: clock.sleep })(request({ filepath: `${root}/watch` }, clock, {}, 60))).rejects.toThrow(
      'Sensor has timed out',
    );
  });

  it('matches ** across directories only with recursive=True', async () => {
    await touch('deep/a/b/c/result.json');
    const clock = new FakeClock();
    const sensor = createFileSensor({ sleep: clock.sleep });
    await expect(sensor(request({ filepath: `${root}/deep/**/result.json`, recursive: true }, clock))).resolves.toEqual({ outcome: 'success' });
    const other = new FakeClock();
    await expect(
      createFileSensor({ sleep: other.sleep })(request({ filepath: `${root}/deep/**/result.json` }, other, {}, 60)),
    ).rejects.toThrow('Sensor has timed out');
  });

  it('times out (failed) or skips with soft_fail when the file never lands', async () => {
    const clock = new FakeClock();
    const req = request({ filepath: `${root}/never.csv` }, clock, {}, 120);
    await expect(createFileSensor({ sleep: clock.sleep })(req)).rejects.toThrow(
      'Sensor has timed out; run duration of 180 seconds exceeds the specified timeout of 120.',
    );
    const softClock = new FakeClock();
    const soft = makeRequest({
      task: makeTask({ ...sensorTask({ filepath: `${root}/never.csv` }), sensor: sensorSettings({ timeout_seconds: 30, poke_interval_seconds: 60, soft_fail: true }) }),
      now: softClock.now,
    });
    await expect(createFileSensor({ sleep: softClock.sleep })(soft)).resolves.toMatchObject({ outcome: 'skipped' });
    expect(softClock.sleeps).toEqual([60]);
  });
});
