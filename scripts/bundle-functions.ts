/**
 * `npm run bundle`: the Lambda entries as esbuild bundles (one ESM file per function, Node 22, the
 * AWS SDK included at the pinned versions), the output the CDK app deploys. The runner's Python shim
 * (shared/python) is copied beside the runner bundles: the runner image ships it.
 *
 *   tsx scripts/bundle-functions.ts [OUTDIR]   (default dist/functions)
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');

/** Function name → entry (functions/*.ts). */
export const FUNCTION_ENTRIES: Readonly<Record<string, string>> = {
  api: 'functions/api.ts',
  control: 'functions/control.ts',
  runner: 'functions/runner.ts',
  'runner-task': 'functions/runner-task.ts',
  scheduler: 'functions/scheduler.ts',
  reconciler: 'functions/reconciler.ts',
  'execution-status': 'functions/execution-status.ts',
  deployer: 'functions/deployer.ts',
  'git-pull': 'functions/git-pull.ts',
  'sensor-poker': 'functions/sensor-poker.ts',
};

/**
 * Worker threads the functions start from a file beside their bundle (the bounded DAG-file loader's
 * parse worker: shared/frontends/bounded.ts looks for `bounded-worker.js` next to itself). CommonJS:
 * a `.js` file outside a `"type": "module"` package is loaded as CommonJS.
 */
export const WORKER_ENTRIES: Readonly<Record<string, string>> = {
  'bounded-worker': 'shared/frontends/bounded-worker.ts',
};

/** The files a function's deployment package holds (its bundle and the workers it may start). */
export function functionFiles(name: string): string[] {
  return [`${name}.mjs`, `${name}.mjs.map`, ...Object.keys(WORKER_ENTRIES).flatMap((w) => [`${w}.js`, `${w}.js.map`])];
}

export async function bundleFunctions(outdir: string): Promise<Metafile> {
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: Object.fromEntries(Object.entries(FUNCTION_ENTRIES).map(([name, entry]) => [name, join(ROOT, entry)])),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    // CommonJS dependencies call require() for Node built-ins; ESM output needs a require to give them.
    banner: { js: "import { createRequire as __skydagCreateRequire } from 'node:module'; const require = __skydagCreateRequire(import.meta.url);" },
  });
  const workers = await build({
    entryPoints: Object.fromEntries(Object.entries(WORKER_ENTRIES).map(([name, entry]) => [name, join(ROOT, entry)])),
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  cpSync(join(ROOT, 'shared', 'python'), join(outdir, 'python'), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  // The runner image's recipe: the CDK app builds it from this folder at deploy.
  cpSync(join(ROOT, 'infra', 'runner-image', 'Dockerfile'), join(outdir, 'Dockerfile'));
  return { inputs: { ...result.metafile.inputs, ...workers.metafile.inputs }, outputs: { ...result.metafile.outputs, ...workers.metafile.outputs } };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const outdir = resolve(process.argv[2] ?? join(ROOT, 'dist', 'functions'));
  void bundleFunctions(outdir).then((meta) => {
    for (const [file, output] of Object.entries(meta.outputs)) if (file.endsWith('.mjs')) console.log(`${file}  ${Math.round(output.bytes / 1024)} KB`);
  });
}
