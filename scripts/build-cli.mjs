/**
 * The CLI's compiled JavaScript (dist/cli): `npm install` builds it (the `prepare` script) and
 * bin/skydag.js rebuilds it when a source it was built from changed since, so the CLI starts without
 * compiling TypeScript (tsx) and never runs code older than the sources.
 *
 * An esbuild bundle of local/cli/main.ts, split at its dynamic imports: a command loads only the
 * chunks it uses (`--help` loads no store, engine or API). Most dependencies stay in node_modules (see
 * BUNDLED_PACKAGES). Each
 * module's `import.meta.url` is its source file's URL, so the paths modules find beside themselves
 * (the Python shim, package.json) are those of the sources; except in the modules that start worker
 * threads, which find the workers' compiled entries beside their chunk (WORKERS). dist/cli/build.json
 * records the sources and when the build started.
 *
 *   node scripts/build-cli.mjs
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_DIST = join(ROOT, 'dist', 'cli');
export const CLI_ENTRY = join(CLI_DIST, 'main.js');
const BUILD_INFO = join(CLI_DIST, 'build.json');
/** Changing how the build is made makes existing builds stale. */
const RECIPE = 'esbuild esm split, import.meta.url of the source, workers, lazy engine dependencies, bundled dependencies (v4)';

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
 * The local engine (aws-local-stepfunctions) imports at load the Lambda client, the Cognito credential
 * providers and asl-validator (which compiles its JSON schemas with ajv as it loads): ~0.2 s of every
 * `dags test`, although skydag answers its Lambda tasks itself and validates a definition only the
 * first time (local/engine/validated-definitions.ts). The CLI bundles the library and gives it those
 * three as stand-ins that load the real module on first use (synchronously, with require).
 */
// node_modules/aws-local-stepfunctions links to vendor/ (a file: dependency): modules import from its real path.
const ENGINE_PACKAGE = realpathSync(join(ROOT, 'node_modules', 'aws-local-stepfunctions'));
const LAZY_ENGINE_DEPENDENCIES = {
  '@aws-sdk/client-lambda': ['LambdaClient', 'InvokeCommand'],
  '@aws-sdk/credential-providers': ['fromCognitoIdentityPool'],
  'asl-validator': ['default'],
};
const lazyEngineDependencies = {
  name: 'lazy-engine-dependencies',
  setup(build) {
    build.onResolve({ filter: /^aws-local-stepfunctions$/ }, () => ({ path: join(ENGINE_PACKAGE, 'index.js') }));
    const names = Object.keys(LAZY_ENGINE_DEPENDENCIES).map((name) => name.replace(/[/\\-]/g, '\\$&'));
    build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) =>
      args.importer.startsWith(ENGINE_PACKAGE + sep) ? { path: args.path, namespace: 'lazy-engine-dependency' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-engine-dependency' }, (args) => {
      const lines = [
        "import { createRequire } from 'node:module';",
        `const load = () => createRequire(${JSON.stringify(pathToFileURL(join(ENGINE_PACKAGE, 'index.js')).href)})(${JSON.stringify(args.path)});`,
      ];
      for (const name of LAZY_ENGINE_DEPENDENCIES[args.path]) {
        // Classes (constructed with new) and functions alike: a function that forwards to the real one.
        const real = name === 'default' ? 'load()' : `load()[${JSON.stringify(name)}]`;
        const forward = `function (...args) { const real = ${real}; return new.target ? new real(...args) : real(...args); }`;
        lines.push(name === 'default' ? `export default ${forward};` : `export const ${name} = ${forward};`);
      }
      return { contents: lines.join('\n'), loader: 'js', resolveDir: ENGINE_PACKAGE };
    });
  },
};

/**
 * Dependencies are loaded from node_modules, except these pure-JavaScript ones, bundled into the chunks
 * with everything they import: loading a package file by file (resolving, reading package.json files,
 * lexing CommonJS for its exports) costs more than the code itself — the AWS SDK's DynamoDB clients
 * load in 0.07 s bundled instead of 0.17 s. What reads its own files, starts workers or loads native code
 * (dynalite, LevelDB, asl-validator's schemas, the Python shim) stays in node_modules.
 */
const BUNDLED_PACKAGES = /^(@aws-sdk\/|@smithy\/|@aws-crypto\/|@aws\/|@lezer\/|@huggingface\/jinja$|yaml$|luxon$|commander$|cron-parser$|jsonpath-plus$)/;
const NODE_MODULES = `${sep}node_modules${sep}`;
const INSTALLED_LOCKFILE = 'node_modules/.package-lock.json';
/** The package a file in node_modules belongs to (`@scope/name` or `name`). */
function packageOf(file) {
  const at = file.lastIndexOf(NODE_MODULES);
  if (at < 0) return undefined;
  const parts = file.slice(at + NODE_MODULES.length).split(sep);
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}
const bundledDependencies = {
  name: 'bundled-dependencies',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const importer = packageOf(args.importer);
      const bundled = BUNDLED_PACKAGES.test(args.path) || (importer !== undefined && BUNDLED_PACKAGES.test(importer));
      return bundled ? undefined : { path: args.path, external: true };
    });
  },
};

/** The files of this many builds (the newest first) stay in dist/cli, however old: see pruneOldBuilds. */
const BUILDS_KEPT = 3;
/** Files of older builds stay this long after they were built. */
const OLD_BUILD_GRACE_MS = 60 * 60 * 1000;
/** dist/cli/builds.json: the file names of the last BUILDS_KEPT builds. */
const BUILDS_FILE = 'builds.json';

/**
 * Removes from `dir` the files of earlier builds: those no build of the last BUILDS_KEPT made, once
 * older than OLD_BUILD_GRACE_MS. A build leaves the chunks of the one before it in place, for CLIs
 * still running it (chunk names carry their content hash, and a command loads its chunks as it needs
 * them), so without this dist/cli grew at every rebuild: 3,000 files and 300 MB after a few weeks of
 * development here. The grace keeps the chunks of a build that runs at the same time as this one, and
 * of a `skydag dev` started less than an hour before three rebuilds. Returns the names removed.
 */
export function pruneOldBuilds(dir, builtNow, now = Date.now()) {
  let history = [];
  try {
    const recorded = JSON.parse(readFileSync(join(dir, BUILDS_FILE), 'utf8'));
    if (Array.isArray(recorded)) history = recorded.filter((files) => Array.isArray(files));
  } catch {
    // none yet, or unreadable: only the grace protects older builds' files this time
  }
  history = [builtNow, ...history].slice(0, BUILDS_KEPT);
  const temporary = join(dir, `.${BUILDS_FILE}.${process.pid}`);
  writeFileSync(temporary, JSON.stringify(history));
  renameSync(temporary, join(dir, BUILDS_FILE));
  const kept = new Set([BUILDS_FILE, ...history.flat()]);
  const removed = [];
  for (const file of readdirSync(dir)) {
    if (kept.has(file)) continue;
    try {
      const path = join(dir, file);
      if (now - statSync(path).mtimeMs < OLD_BUILD_GRACE_MS) continue;
      rmSync(path, { force: true });
      removed.push(file);
    } catch {
      // removed meanwhile by another build
    }
  }
  return removed;
}

/**
 * Builds into a fresh folder, then moves its files into dist/cli (entry and build.json last, each by
 * rename): a CLI starting meanwhile sees a complete old or new build, and a running one still finds
 * the chunks it was built with (chunk names carry their content hash); earlier builds' files are
 * removed later (pruneOldBuilds).
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
      plugins: [lazyEngineDependencies, bundledDependencies, sourceModuleUrls],
      mainFields: ['module', 'main'], // bundled packages' ES modules, which esbuild can tree-shake
      // Bundled CommonJS modules require Node's built-in modules.
      banner: { js: "import { createRequire as __skydagCreateRequire } from 'node:module'; const require = __skydagCreateRequire(import.meta.url);" },
      chunkNames: '[name]-[hash]', // one folder: a module starting a worker finds it beside itself
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'error',
    });
    const files = Object.keys(result.metafile.inputs)
      .filter((file) => !file.startsWith('lazy-engine-dependency:')) // generated, not files
      .map((file) => relative(ROOT, resolve(ROOT, file)).split(sep).join('/'));
    // Bundled dependencies' files keep their package's dates (npm extracts them as published): the
    // lockfile npm rewrites at every install of node_modules stands for them all.
    const inputs = files.filter((file) => !file.startsWith('node_modules/'));
    if (inputs.length < files.length && existsSync(join(ROOT, INSTALLED_LOCKFILE))) inputs.push(INSTALLED_LOCKFILE);
    writeFileSync(join(staging, 'build.json'), JSON.stringify({ recipe: RECIPE, root: ROOT, startedAt, inputs }));
    mkdirSync(CLI_DIST, { recursive: true });
    const last = ['main.js.map', 'main.js', 'build.json'];
    const built = readdirSync(staging);
    for (const file of built) if (!last.includes(file)) renameSync(join(staging, file), join(CLI_DIST, file));
    for (const file of last) renameSync(join(staging, file), join(CLI_DIST, file));
    try {
      pruneOldBuilds(CLI_DIST, built);
    } catch {
      // a folder that cannot be tidied still holds a working build
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildCli();
  console.log(`skydag: CLI built into ${relative(process.cwd(), CLI_DIST) || '.'}`);
}
