/**
 * The top-level Python modules a DAG file may import (FrontendOptions.importable): the shim's, the
 * DAGs, plugins and project folders' (what tasks find on sys.path, runtime/executors/python.ts)
 * and the installed Python's (standard library, site-packages, built-in modules). A name outside
 * them is Airflow's parse-time `ModuleNotFoundError`.
 *
 * Listing the installed modules starts Python once (pkgutil.iter_modules); the listing is cached
 * in memory and in a per-user file, keyed by the interpreter command and PATH, and trusted while
 * the interpreter and every sys.path folder keep their modification times (`pip install` changes
 * site-packages'), so reading a DAG file normally starts no Python.
 *
 * Packages a `requirements.txt` in the DAGs or project folder declares count as importable too:
 * they are what the deployment installs (the cloud runner image, an Astro image), even when the
 * machine that parses has not installed them. So do the modules Airflow's official image installs
 * with its default extras (AIRFLOW_IMAGE_MODULES): a DAG written for Airflow may import them at
 * its top level, and whether a task can use them is the runner's environment's business.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PYTHON_SHIM_DIR, defaultPython, pluginsFolder, projectFolder } from '../shared/runtime/executors/python.js';

const run = promisify(execFile);

/** Lists sys.path's modules and the folders that decide them (the interpreter first). */
const LIST_SCRIPT = [
  'import json, os, pkgutil, sys',
  'names = sorted({m.name for m in pkgutil.iter_modules()} | set(sys.builtin_module_names))',
  'dirs = [p for p in sys.path if p and os.path.isdir(p)]',
  'print(json.dumps({"names": names, "stamped": [os.path.realpath(sys.executable)] + dirs}))',
].join('\n');

interface Listing {
  names: string[];
  /** Paths whose modification times the listing depends on, with those times. */
  stamps: Record<string, number>;
}

const memory = new Map<string, Listing>();

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

const fresh = (l: Listing) => Object.entries(l.stamps).every(([path, time]) => mtime(path) === time);

function cacheFile(key: string): string {
  return join(tmpdir(), `skydag-${userInfo().uid}`, `python-modules-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`);
}

function readCache(file: string): Listing | undefined {
  try {
    const l = JSON.parse(readFileSync(file, 'utf8')) as Listing;
    return Array.isArray(l.names) && l.stamps && typeof l.stamps === 'object' && fresh(l) ? l : undefined;
  } catch {
    return undefined;
  }
}

/** The installed Python's importable top-level modules; undefined when Python cannot be asked (imports are then not checked). */
export async function installedPythonModules(python: string = defaultPython()): Promise<readonly string[] | undefined> {
  const key = `${python}\0${process.env.PATH ?? ''}`;
  const known = memory.get(key);
  if (known && fresh(known)) return known.names;
  const file = cacheFile(key);
  const cached = readCache(file);
  if (cached) {
    memory.set(key, cached);
    return cached.names;
  }
  try {
    // -E: PYTHONPATH and friends of this process are not what a task's sys.path holds.
    const { stdout } = await run(python, ['-E', '-c', LIST_SCRIPT], { cwd: tmpdir(), timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    const out = JSON.parse(stdout) as { names: string[]; stamped: string[] };
    const stamps: Record<string, number> = {};
    for (const path of out.stamped) {
      const time = mtime(path);
      if (time !== undefined) stamps[path] = time;
    }
    const listing = { names: out.names, stamps };
    memory.set(key, listing);
    try {
      mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
      writeFileSync(file, JSON.stringify(listing), { mode: 0o600 });
    } catch {
      // A cache that cannot be written only costs a Python start next time.
    }
    return listing.names;
  } catch {
    return undefined;
  }
}

/** Top-level module names a folder provides: packages (with or without __init__), `.py` files and extension modules. */
export function folderModules(folder: string): string[] {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const e of entries) {
    const name = e.isDirectory() ? e.name : /^([A-Za-z_]\w*)(\.[^.]+)*\.(py|pyc|so|pyd)$/.exec(e.name)?.[1];
    if (name && /^[A-Za-z_]\w*$/.test(name)) names.push(name);
  }
  return names;
}

/**
 * Top-level modules of Airflow's official image (apache/airflow, default extras: amazon, async,
 * celery, cncf.kubernetes, common.io, docker, elasticsearch, ftp, google, grpc, hashicorp, http,
 * microsoft.azure, mysql, odbc, openlineage, pandas, postgres, redis, sendgrid, sftp, slack,
 * snowflake, ssh, statsd, virtualenv) and of Airflow's own requirements.
 */
const AIRFLOW_IMAGE_MODULES = [
  'aiobotocore', 'aiohttp', 'adlfs', 'asgiref', 'asyncssh', 'attr', 'attrs', 'azure', 'boto3', 'botocore', 'cachetools', 'celery',
  'certifi', 'croniter', 'cryptography', 'dateutil', 'deprecated', 'dill', 'docker', 'elasticsearch', 'flask', 'fsspec', 'gcsfs',
  'google', 'googleapiclient', 'grpc', 'httpx', 'hvac', 'idna', 'itsdangerous', 'jinja2', 'jmespath', 'jsonschema', 'jwt',
  'kombu', 'kubernetes', 'kubernetes_asyncio', 'lazy_object_proxy', 'markupsafe', 'marshmallow', 'more_itertools', 'msal',
  'MySQLdb', 'numpy', 'openlineage', 'packaging', 'pandas', 'paramiko', 'pendulum', 'pluggy', 'psutil', 'psycopg2', 'pyarrow',
  'pydantic', 'pygments', 'pymysql', 'pyodbc', 'pytz', 'redis', 'requests', 'rich', 's3fs', 'sendgrid', 'setproctitle', 'six',
  'slack_sdk', 'slugify', 'snowflake', 'sqlalchemy', 'sqlparse', 'sshtunnel', 'statsd', 'tabulate', 'tenacity', 'typing_extensions',
  'tzlocal', 'upath', 'urllib3', 'virtualenv', 'werkzeug', 'yaml',
];

/** Distribution names whose import name differs from the normalised distribution name. */
const IMPORT_NAME_OF: Record<string, string[]> = {
  beautifulsoup4: ['bs4'],
  pillow: ['PIL'],
  pyyaml: ['yaml'],
  'scikit-learn': ['sklearn'],
  'scikit-image': ['skimage'],
  'python-dateutil': ['dateutil'],
  'opencv-python': ['cv2'],
  'opencv-python-headless': ['cv2'],
  'psycopg2-binary': ['psycopg2'],
  'psycopg-binary': ['psycopg'],
  protobuf: ['google'],
  pymysql: ['pymysql'],
  'mysql-connector-python': ['mysql'],
  'python-dotenv': ['dotenv'],
  'snowflake-connector-python': ['snowflake'],
  'apache-beam': ['apache_beam'],
  'great-expectations': ['great_expectations'],
  'typing-extensions': ['typing_extensions'],
};

/**
 * The top-level modules the packages a requirements file declares provide: the PEP 503-normalised
 * name with `-`/`.` as `_`, each leading run of its dotted/dashed parts for namespace distributions
 * (`google-cloud-storage` -> `google`, `google_cloud`; `llama-index-readers-notion` -> `llama_index`),
 * and the known renames above. Options, URLs and
 * includes (`-r`) are skipped.
 */
export function requirementModules(text: string): string[] {
  const names = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    const dist = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line)?.[1];
    if (!dist || line.startsWith('-')) continue;
    const normal = dist.toLowerCase().replace(/[-_.]+/g, '-');
    for (const alias of IMPORT_NAME_OF[normal] ?? []) names.add(alias);
    const parts = normal.split('-');
    for (let n = 1; n <= parts.length; n++) names.add(parts.slice(0, n).join('_'));
  }
  return [...names];
}

function declaredModules(folder: string): string[] {
  try {
    return requirementModules(readFileSync(join(folder, 'requirements.txt'), 'utf8'));
  } catch {
    return [];
  }
}

/** Everything a DAG file of `dagsFolder` may import at its top level; undefined when the installed modules are unknown. */
export async function importableModules(dagsFolder: string): Promise<string[] | undefined> {
  const installed = await installedPythonModules();
  if (!installed) return undefined;
  const local = [dagsFolder, pluginsFolder(dagsFolder), projectFolder(dagsFolder), PYTHON_SHIM_DIR, join(PYTHON_SHIM_DIR, '_fallback')].flatMap(folderModules);
  const declared = [dagsFolder, projectFolder(dagsFolder)].flatMap(declaredModules);
  return [...new Set([...local, ...declared, ...AIRFLOW_IMAGE_MODULES, ...installed])];
}
