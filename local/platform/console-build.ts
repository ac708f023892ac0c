/**
 * Building the web console (web/ → web/dist) without a separate command: `npm install` builds it
 * (the `prepare` script, scripts/build-console.ts) and `skydag dev` rebuilds it on start when web/
 * changed since the last build. A stamp in web/dist records a hash of everything the build reads
 * (sources, Vite config, package-lock.json), so an up-to-date console is never rebuilt. The build
 * goes to a temporary folder that replaces web/dist only when complete: a reader never sees half a
 * build, and two builds racing each other leave one complete result.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const WEB_DIR = join(PROJECT_ROOT, 'web');
export const CONSOLE_DIST = join(WEB_DIR, 'dist');
const STAMP = '.build-stamp';

/** Files whose content decides the build output (tests excluded: they do not ship). */
function buildInputs(webDir: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!/\.test\.tsx?$/.test(entry.name)) files.push(path);
    }
  };
  for (const dir of ['src', 'public']) if (existsSync(join(webDir, dir))) walk(join(webDir, dir));
  for (const file of ['index.html', 'vite.config.ts', 'tsconfig.json']) if (existsSync(join(webDir, file))) files.push(join(webDir, file));
  const lock = join(webDir, '..', 'package-lock.json');
  if (existsSync(lock)) files.push(lock);
  return files.sort();
}

/** How the build is made; changing it rebuilds existing builds (v2: always NODE_ENV=production). */
const BUILD_RECIPE = 'vite build, NODE_ENV=production (v2)';

/** A hash of the build's inputs (paths and contents) and recipe. */
export function consoleSourceHash(webDir = WEB_DIR): string {
  const hash = createHash('sha256').update(BUILD_RECIPE).update('\0');
  for (const file of buildInputs(webDir)) {
    hash.update(relative(webDir, file).split(sep).join('/')).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export type ConsoleBuildState = 'fresh' | 'missing' | 'outdated';

export function consoleBuildState(webDir = WEB_DIR): ConsoleBuildState {
  const dist = join(webDir, 'dist');
  if (!existsSync(join(dist, 'index.html'))) return 'missing';
  const stamp = join(dist, STAMP);
  if (!existsSync(stamp)) return 'outdated';
  return readFileSync(stamp, 'utf8').trim() === consoleSourceHash(webDir) ? 'fresh' : 'outdated';
}

const VITE_BIN = join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');

/** `vite build` in a child process (Vite is ESM-only and memory-hungry: it stays out of the server's process). */
function runVite(webDir: string, outDir: string): Promise<void> {
  if (!existsSync(VITE_BIN)) return Promise.reject(new Error('vite is not installed: run `npm install`'));
  return new Promise((done, fail) => {
    // Always a production build: with the caller's NODE_ENV (jest sets `test`), Vite bundles React's
    // development build, two thirds larger and much slower to render.
    const env = { ...process.env, NODE_ENV: 'production' };
    const child = spawn(process.execPath, [VITE_BIN, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: webDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`vite build exited with ${code}: ${output.trim().split('\n').slice(-8).join('\n')}`))));
  });
}

/** Runs `vite build` for web/ and swaps the result into web/dist. */
export async function buildConsole(webDir = WEB_DIR): Promise<void> {
  const hash = consoleSourceHash(webDir);
  const tmp = join(webDir, `dist.tmp-${process.pid}-${Date.now()}`);
  try {
    await runVite(webDir, tmp);
    await writeFile(join(tmp, STAMP), `${hash}\n`);
    const dist = join(webDir, 'dist');
    const old = `${dist}.old-${process.pid}-${Date.now()}`;
    if (existsSync(dist)) await rename(dist, old);
    await rename(tmp, dist);
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export interface EnsureResult {
  /** The folder to serve, or null when there is no console to serve (and `error` says why). */
  dir: string | null;
  built: boolean;
  error?: string;
}

/**
 * Builds the console when it is missing or older than web/; keeps serving an older build if a rebuild
 * fails (and says so), and reports why when there is nothing to serve.
 */
export async function ensureConsoleBuilt(log: (line: string) => void, webDir = WEB_DIR): Promise<EnsureResult> {
  if (!existsSync(join(webDir, 'index.html'))) return { dir: null, built: false, error: `no console sources in ${webDir}` };
  const state = consoleBuildState(webDir);
  const dist = join(webDir, 'dist');
  if (state === 'fresh') return { dir: dist, built: false };
  log(`skydag: building the web console (${state === 'missing' ? 'first start' : 'web/ changed since the last build'})…`);
  const started = Date.now();
  try {
    await mkdir(webDir, { recursive: true });
    await buildConsole(webDir);
    log(`skydag: web console built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { dir: dist, built: true };
  } catch (error) {
    const message = (error as Error).message;
    if (existsSync(join(dist, 'index.html'))) {
      log(`skydag: rebuilding the web console failed (${message}); serving the previous build`);
      return { dir: dist, built: false, error: message };
    }
    log(`skydag: building the web console failed: ${message}`);
    return { dir: null, built: false, error: message };
  }
}
