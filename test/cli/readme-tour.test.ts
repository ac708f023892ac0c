/**
 * The README's five-minute tour, run as written: its bash blocks are taken from README.md and run
 * line by line with bash from the repository root, against a fresh temp $SKYDAG_HOME. Between the two
 * blocks the tour says to start the platform (`npm start`, a server that does not end); the test
 * starts the same platform in-process on the same folders (any free port) instead, and waits until
 * its scheduler has run the triggered run — the second block then reads it through the running
 * platform, as a reader of the README would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type Platform } from '../../local/platform/platform.js';

const ROOT = join(__dirname, '../..');

/** The bash blocks of the README section `heading`, in order. */
function tourBlocks(readme: string, heading = '## Five-minute tour'): string[][] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no '${heading}' section`);
  const next = readme.indexOf('\n## ', start + heading.length + 2);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!.split('\n').filter((line) => line.trim() !== ''));
}

interface Step {
  line: string;
  status: number | null;
  out: string;
  err: string;
}

/** One line in bash; asynchronously, so the platform this process runs keeps serving meanwhile. */
function bash(script: string, env: NodeJS.ProcessEnv): Promise<Omit<Step, 'line'>> {
  return new Promise((done) => {
    execFile('bash', ['-c', script], { cwd: ROOT, env, encoding: 'utf8', timeout: 180_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      done({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, out: stdout, err: stderr });
    });
  });
}

/** Runs the lines as one bash session would (exports carry over), stopping at the first that fails. */
async function runLines(lines: readonly string[], env: NodeJS.ProcessEnv): Promise<Step[]> {
  const steps: Step[] = [];
  let exports = '';
  for (const line of lines) {
    const result = await bash(`set -o pipefail\n${exports}${line}`, env);
    steps.push({ line, ...result });
    if (result.status !== 0) break;
    if (/^export /.test(line)) exports += `${line}\n`;
  }
  return steps;
}

const failures = (steps: readonly Step[]) => steps.filter((s) => s.status !== 0).map((s) => `${s.line}\n→ exit ${s.status}\n${s.err}`);
const outputOf = (steps: readonly Step[], command: RegExp) => steps.find((s) => command.test(s.line))?.out ?? '';

describe('README five-minute tour', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  let home: string;
  let platform: Platform | undefined;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'skydag-tour-'));
  });
  afterAll(async () => {
    await platform?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('has the two blocks the test knows how to run, every line a skydag command (or the export that sets its folder)', () => {
    const blocks = tourBlocks(readme);
    expect(blocks).toHaveLength(2);
    for (const line of blocks.flat()) expect(line).toMatch(/^(npx skydag |export SKYDAG_DAGS_FOLDER=)/);
  });

  it('runs as written: the first block with nothing running, the second against the started platform', async () => {
    const [first, second] = tourBlocks(readme) as [string[], string[]];
    const env: NodeJS.ProcessEnv = { ...process.env, SKYDAG_HOME: home, NODE_ENV: 'production' };
    delete env.SKYDAG_DAGS_FOLDER;
    delete env.SKYDAG_API_URL;

    const before = await runLines(first, env);
    expect(failures(before)).toEqual([]);
    expect(before).toHaveLength(first.length);
    expect(outputOf(before, /dags list$|dags list /)).toMatch(/^branching\s+branching\.py\s+@daily\s+true/m);
    expect(outputOf(before, /variables get erp_system/)).toBe('old\n');
    const connection = outputOf(before, /connections get warehouse/);
    expect(connection).toMatch(/warehouse\s+postgres\s+db\.example\.com\s+dw\s+etl\s+5432/);
    expect(connection).not.toContain('secret');
    expect(outputOf(before, /dags list-runs -d branching/)).toMatch(/^branching\s+tour_1\s+queued\s/m);

    // `npm start` = `skydag dev` on examples/dags with state in $SKYDAG_HOME.
    platform = await startPlatform({ dagsFolder: join(ROOT, 'examples/dags'), home, port: 0, consoleDir: null, version: 'tour', tickSeconds: 1, log: () => undefined });
    const running = platform;
    let state: string | undefined;
    for (let i = 0; i < 600 && state !== 'success' && state !== 'failed'; i++) {
      state = (await running.store.getDagRun('branching', 'tour_1'))?.state;
      await new Promise((done) => setTimeout(done, 100));
    }
    expect(state).toBe('success');

    const after = await runLines(second, env);
    expect(failures(after)).toEqual([]);
    expect(outputOf(after, /dags state branching tour_1/)).toBe('success, {"erp":"old"}\n');
    const states = JSON.parse(outputOf(after, /states-for-dag-run branching tour_1/)) as { task_id: string; state: string }[];
    expect(states.find((t) => t.task_id === 'fetch_sales_old')?.state).toBe('success');
    expect(states.find((t) => t.task_id === 'fetch_sales_new')?.state).toBe('skipped');
    expect(JSON.parse(outputOf(after, /variables export -/))).toEqual({ erp_system: 'old' });
  }, 900_000);
});
