/**
 * The CLI's compiled JavaScript (dist/cli): `npm install` builds it (the `prepare` script) and
 * bin/skydag.js rebuilds it when a source it was built from changed since, so the CLI starts without
 * compiling TypeScript (tsx) and never runs code older than the sources.
 *
 * An esbuild bundle of local/cli/main.ts, split at its dynamic imports: a command loads only the
 * chunks it uses (`--help` loads no store, engine or API). Dependencies stay in node_modules. Each
 * module's `import.meta.url` is its source file's URL, so the paths modules find beside themselves
 * (the Python shim, package.json) are those of the sources; except in the modules that start worker
 * threads, which find the workers' compiled entries beside their chunk (WORKERS). dist/cli/build.json
 * records the sources and when the build started.
 *
 *   node scripts/build-cli.mjs
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_DIST = join(ROOT, 'dist', 'cli');
export const CLI_ENTRY = join(CLI_DIST, 'main.js');
const BUILD_INFO = join(CLI_DIST, 'build.json');
/** Changing how the build is made makes existing builds stale. */
const RECIPE = 'esbuild esm split, import.meta.url of the source, workers (v2)';

/** Worker threads' entries (built beside the chunks) and the module that starts each, which looks for it beside itself. */
const WORKERS = {
  'bounded-worker': { entry: 'shared/frontends/bounded-worker.ts', startedBy: 'shared/frontends/bounded.ts' },
  'render-worker': { entry: 'shared/runtime/templates/worker/render-worker.ts', startedBy: 'shared/runtime/templates/worker/pool.ts' },
};
const WORKER_STARTERS = new Set(Object.values(WORKERS).map((w) => join(ROOT, w.startedBy)));

/** Whether dist/cli was built, here, from sources no newer than the build. */
export function cliBuildFresh() {
  let info;
  try {
    info = JSON.parse(readFileSync(BUILD_INFO, 'utf8'));
  } catch {
    return false;
  }
  if (info.recipe !== RECIPE || info.root !== ROOT || !Array.isArray(info.inputs)) return false;
  try {
    return info.inputs.every((file) => statSync(join(ROOT, file)).mtimeMs <= info.startedAt);
  } catch {
    return false; // a source was removed
  }
}

/** Each source module sees its own file as import.meta.url (bundled, it would be the chunk's). */
const sourceModuleUrls = {
  name: 'source-module-urls',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`) || WORKER_STARTERS.has(args.path)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: args.path.endsWith('ts') ? 'ts' : 'js' };
    });
  },
};

/**
 * Builds into a fresh folder, then moves its files into dist/cli (entry and build.json last, each by
 * rename): a CLI starting meanwhile sees a complete old or new build, and a running one still finds
 * the chunks it was built with (chunk names carry their content hash; old ones are left in place).
 */
export async function buildCli() {
  const { build } = await import('esbuild');
  const startedAt = Date.now();
  const staging = join(ROOT, 'dist', `cli.tmp-${process.pid}-${startedAt}`);
  try {
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: { main: join(ROOT, 'local', 'cli', 'main.ts'), ...Object.fromEntries(Object.entries(WORKERS).map(([name, w]) => [name, join(ROOT, w.entry)])) },
      outdir: staging,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      chunkNames: '[name]-[hash]', // one folder: a module starting a worker finds it beside itself
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'error',
      plugins: [sourceModuleUrls],
    });
    const inputs = Object.keys(result.metafile.inputs).map((file) => relative(ROOT, resolve(ROOT, file)).split(sep).join('/'));
    writeFileSync(join(staging, 'build.json'), JSON.stringify({ recipe: RECIPE, root: ROOT, startedAt, inputs }));
    mkdirSync(CLI_DIST, { recursive: true });
    const last = ['main.js.map', 'main.js', 'build.json'];
    for (const file of readdirSync(staging)) if (!last.includes(file)) renameSync(join(staging, file), join(CLI_DIST, file));
    for (const file of last) renameSync(join(staging, file), join(CLI_DIST, file));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildCli();
  console.log(`skydag: CLI built into ${relative(process.cwd(), CLI_DIST) || '.'}`);
}
