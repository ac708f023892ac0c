/**
 * `npm run bench -- --peers`: the same no-op bash DAG shapes through `skydag dags test` (the CLI, as a
 * user runs it) and through snakemake, interleaved round by round so machine noise hits both alike.
 * Per-task overhead = (wall − wall of a 1-task DAG) / (tasks − 1). Peak RSS of the skydag process
 * is measured with GNU time. `--scale` adds the 10,000-task layered DAG to every round (it takes minutes).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chain, dagIdOf, fanIn, layered, shapeAsPythonDag, shapeAsSnakefile, wide, type Shape } from './shapes.js';

const SKYDAG_BIN = join(import.meta.dirname, '..', 'bin', 'skydag.js');
const GNU_TIME = '/usr/bin/time';

interface Sample {
  ms: number;
  rssMb: number | null;
}

/** Runs a command under GNU time (when present); wall time and peak RSS of the command. */
function measure(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Sample {
  const timed = existsSync(GNU_TIME);
  const start = process.hrtime.bigint();
  // stdin is /dev/null, as from a terminal it is no socket: a bash whose stdin is a socket (Node's 'pipe') takes
  // itself for an rsh session and reads ~/.bashrc — snakemake's job shells did, and a bashrc running `pyenv init`
  // made its figures erratic (a 200-task fan-in 1.8 s or 17.6 s). skydag's task processes get /dev/null anyway.
  const result = spawnSync(timed ? GNU_TIME : file, timed ? ['-f', 'peak-rss-kb %M', file, ...args] : args, {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (exit ${result.status}):\n${(result.stderr ?? '').slice(-2000)}`);
  const rss = /peak-rss-kb (\d+)/.exec(result.stderr ?? '');
  return { ms, rssMb: rss ? Math.round(Number(rss[1]) / 1024) : null };
}

function skydagDagsTest(shape: Shape, root: string): Sample {
  const dir = mkdtempSync(join(root, 'skydag-'));
  mkdirSync(join(dir, 'dags'));
  writeFileSync(join(dir, 'dags', `${dagIdOf(shape)}.py`), shapeAsPythonDag(shape));
  const env = { ...process.env, SKYDAG_HOME: join(dir, 'home') };
  try {
    return measure(process.execPath, [SKYDAG_BIN, 'dags', 'test', dagIdOf(shape), '2024-01-02', '--dags-folder', join(dir, 'dags'), '-o', 'json'], dir, env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function snakemakeRun(shape: Shape, root: string, cores: number): Sample {
  const dir = mkdtempSync(join(root, 'snakemake-'));
  writeFileSync(join(dir, 'Snakefile'), shapeAsSnakefile(shape));
  try {
    return measure('snakemake', ['--cores', String(cores), '--quiet'], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** snakemake on PATH, installed from the distribution when missing (Debian/Ubuntu: apt-get, as root). */
function ensureSnakemake(): boolean {
  const found = () => spawnSync('snakemake', ['--version'], { encoding: 'utf8' }).status === 0;
  if (found()) return true;
  console.log('snakemake is missing: installing the distribution package (apt-get install snakemake) ...');
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'snakemake'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (error) {
    console.log(`could not install snakemake (${(error as Error).message}): skydag rows only`);
  }
  return found();
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
};
const round1 = (n: number) => Math.round(n * 10) / 10;

export interface PeersOptions {
  rounds: number;
  scale: boolean;
  /** Only the shapes whose name matches (`--only 'chain|fan-in'`); the 1-task baseline always runs. */
  only?: RegExp;
}

/** One row per shape: both tools side by side (seconds of wall time, ms of overhead per task). */
export interface PeersRow {
  shape: string;
  tasks: number;
  'skydag min/median/max s': string;
  'skydag ms/task': number;
  'skydag peak RSS MB': number | string;
  'snakemake min/median/max s': string;
  'snakemake ms/task': number | string;
  ratio: number | string;
}

/** Airflow's default max_active_tasks: the DAG files keep it, and snakemake gets as many cores. */
export const CONCURRENCY = 16;
const SKYDAG = 'skydag';
const SNAKEMAKE = 'snakemake';

/** Progress on one rewritten stderr line on a terminal (nothing when piped): the table stays the only output. */
function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
}

export async function benchPeers(options: PeersOptions): Promise<PeersRow[]> {
  const shapes = [chain(100), fanIn(200), wide(1000), layered(10, 100)];
  const baseline = chain(1);
  const root = mkdtempSync(join(tmpdir(), 'skydag-peers-'));
  const peers = ensureSnakemake();
  const tools: [string, (shape: Shape) => Sample][] = [[SKYDAG, (s) => skydagDagsTest(s, root)]];
  if (peers) tools.push([SNAKEMAKE, (s) => snakemakeRun(s, root, CONCURRENCY)]);
  const samples = new Map<string, Sample[]>();
  const add = (tool: string, shape: Shape, sample: Sample) => {
    const key = `${tool}\0${shape.name}`;
    samples.set(key, [...(samples.get(key) ?? []), sample]);
  };
  const all = (options.scale ? [...shapes, layered(100, 100)] : shapes).filter((s) => !options.only || options.only.test(s.name));
  try {
    // Every shape (the 10,000-task one too) in every round, interleaved tool by tool.
    for (let round = 1; round <= options.rounds; round++) {
      for (const shape of [baseline, ...all]) for (const [tool, run] of tools) add(tool, shape, run(shape));
      progress(`round ${round}/${options.rounds} done`);
    }
    progress('');
    const rows: PeersRow[] = [];
    for (const shape of all) {
      const figures = (tool: string) => {
        const got = samples.get(`${tool}\0${shape.name}`);
        if (!got?.length) return null;
        const base = stats((samples.get(`${tool}\0${baseline.name}`) ?? []).map((s) => s.ms)).median;
        const wall = stats(got.map((s) => s.ms));
        const rss = got.map((s) => s.rssMb).filter((r): r is number => r !== null);
        return {
          wall: [wall.min, wall.median, wall.max].map((ms) => round1(ms / 1000).toFixed(1)).join(' / '),
          perTask: round1((wall.median - base) / (shape.tasks - 1)),
          rss: rss.length ? Math.max(...rss) : '-',
        };
      };
      const ours = figures(SKYDAG)!;
      const theirs = figures(SNAKEMAKE);
      rows.push({
        shape: shape.name,
        tasks: shape.tasks,
        'skydag min/median/max s': ours.wall,
        'skydag ms/task': ours.perTask,
        'skydag peak RSS MB': ours.rss,
        'snakemake min/median/max s': theirs?.wall ?? '-',
        'snakemake ms/task': theirs?.perTask ?? '-',
        ratio: theirs && theirs.perTask > 0 ? Math.round((ours.perTask / theirs.perTask) * 100) / 100 : '-',
      });
    }
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
