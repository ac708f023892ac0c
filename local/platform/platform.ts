/**
 * The local platform (`skydag dev`, what `npm start` runs): the embedded DynamoDB-compatible store,
 * the DAGs folder synced into it (and watched), the scheduler ticker, the local engine running the
 * compiled state machines, and the REST API on http://localhost:PORT — the same handlers that run in
 * Lambda behind API Gateway.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createApi, type Api } from '../../shared/api/api.js';
import { OidcProvider, oidcSettingsFromEnv } from '../../shared/api/auth/oidc.js';
import { BoundedDagLoader, parseLimitsFromEnv, sharedDagFileLoader, type ParseLimits } from '../../shared/frontends/bounded.js';
import { bootstrapAdmin } from '../../shared/api/auth/users.js';
import { LdapSettingsStore } from '../../shared/api/auth/ldap-settings.js';
import { pullRepository, scheduledPuller, type PullOptions } from '../../shared/git/pull.js';
import { GitConfigStore } from '../../shared/git/repositories.js';
import { localDagTree } from './git-dag-tree.js';
import { apiGatewayHandler } from '../../shared/api/http.js';
import { createStoreRunLauncher, type RunController } from '../../shared/api/ports.js';
import { storeConnections, storeVariables } from '../../shared/api/secrets/records.js';
import { storedPoolSizes } from '../../shared/api/routes/pools.js';
import type { DagRunRecord } from '../../shared/model/records.js';
import { startQueuedRuns } from '../../shared/scheduling/scheduler.js';
import { runBackfill } from '../../shared/scheduling/backfill.js';
import { DagRunState } from '../../shared/runtime/states.js';
import type { MetadataStore } from '../../shared/stores/metadata.js';
import { blobBundleLoader, BundleCache } from '../../shared/bundles/bundle-cache.js';
import { bundleCacheFolder } from '../engine/bundle-folder.js';
import { createLocalRuntime } from '../engine/wiring.js';
import type { LocalRuntime } from '../engine/local-runtime.js';
import { createApiGatewayServer } from '../http/apigw-adapter.js';
import { createStaticSite } from '../http/static-site.js';
import { loadLocalSecrets } from '../http/secret-key.js';
import { openLocalSparkStores } from '../stores/spark-stores.js';
import { openLocalRepository } from '../stores/repository.js';
import { EdaSources } from '../../shared/eda/sources.js';
import { createLocalScheduler, localSlaMissCallback } from '../scheduler/ticker.js';
import { startEmbeddedDynamoDB } from '../stores/embedded-dynamodb.js';
import { FsBlobStore } from '../stores/fs-blob-store.js';
import { folderDagFiles } from './folder-dag-files.js';
import { syncDagFile, syncDagsFolder, type SyncOptions, type SyncReport } from './dag-sync.js';
import { serial } from '../../shared/util/serial.js';
import { defaultPython, PYTHON_SHIM_DIR } from '../../shared/runtime/executors/python.js';
import { secureStateFolder } from './state-folder.js';
import { checkTaskSetup } from './task-user.js';
import { StoreDagSource } from './store-dag-source.js';
import { reconcile } from '../../shared/runtime/handlers/reconcile.js';
import { wakePoolWaiters } from '../../shared/runtime/handlers/pool-waiters.js';

const RECONCILE_INTERVAL_MS = 60_000;

import { landingPage } from './landing.js';
import { tcpConnectionTester } from './connection-tester.js';
import { ensureConsoleBuilt } from './console-build.js';
import { serveRunControl } from './run-control.js';

export interface PlatformOptions {
  dagsFolder: string;
  home: string;
  port: number;
  /** Bind address (default 127.0.0.1: the platform is for this machine). */
  host?: string;
  /** Password of the first admin; generated and reported once when absent. */
  adminPassword?: string;
  /** New DAGs start paused (Airflow's default); SKYDAG_PAUSED_AT_CREATION=false changes it. */
  pausedAtCreation?: boolean;
  tickSeconds?: number;
  /** On close, how long running tasks may finish before they are stopped (default 10 s). */
  shutdownGraceSeconds?: number;
  /** Full rescans of the folder, besides watching it (Airflow's dag_dir_list_interval). */
  rescanSeconds?: number;
  /**
   * Limits of DAG file parsing, for a loader of this platform's own. Default: the process-wide loader
   * (limits from $SKYDAG_PARSE_TIMEOUT_MS, $SKYDAG_PARSE_MEMORY_MB, $SKYDAG_PARSE_WORKERS).
   */
  parseLimits?: Partial<ParseLimits>;
  /**
   * The built web console served at / (default: web/dist, built first when missing or older than web/);
   * null serves the API only, with a short page at / saying where it is.
   */
  consoleDir?: string | null;
  /** Tests inject a store (default: the embedded DynamoDB-compatible server in $SKYDAG_HOME/dynamodb). */
  store?: MetadataStore;
  log?: (line: string) => void;
  version: string;
  /** Browser origins allowed to call the API (CORS); default none. `skydag dev` reads $SKYDAG_CORS_ORIGINS. */
  corsOrigins?: readonly string[];
  /** Enables POST /connections/test (a TCP check of host:port); `skydag dev` reads $SKYDAG_TEST_CONNECTION=Enabled. */
  testConnection?: boolean;
}

export interface Platform {
  url: string;
  store: MetadataStore;
  runtime: LocalRuntime;
  api: Api;
  /** Set on the first start when the admin's password was generated: print it once. */
  generatedAdminPassword?: string;
  /** A full folder sync (also run periodically). */
  resync(): Promise<SyncReport>;
  close(): Promise<void>;
}

function describeSync(report: SyncReport): string {
  const parts = [
    report.registered.length && `${report.registered.length} new`,
    report.updated.length && `${report.updated.length} updated`,
    report.deactivated.length && `${report.deactivated.length} deactivated`,
    report.importErrors.length && `${report.importErrors.length} file(s) with import errors`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no changes';
}

/** A sign-in provider from SKYDAG_OIDC_* (any OIDC provider, e.g. a Cognito user pool), and SKYDAG_PASSWORD_LOGIN=false to turn password sign-in off. */
function signInOptions(log: (line: string) => void): { oidc?: OidcProvider; passwordLogin: boolean } {
  const settings = oidcSettingsFromEnv(process.env);
  const passwordLogin = !/^(false|0|no|off)$/i.test(process.env.SKYDAG_PASSWORD_LOGIN ?? '');
  if (!settings) return { passwordLogin };
  log(`skydag: users may sign in with ${settings.providerName} (${settings.issuer})${passwordLogin ? '' : '; password sign-in is off'}`);
  return { oidc: new OidcProvider(settings), passwordLogin };
}

/** Files DAG files may use without defining DAGs: modules they import, config files they read at parse time. */
const HELPER_FILE = /\.(py|json|ya?ml|txt|cfg|ini|csv|sql|toml|md)$/;

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const log = options.log ?? ((line: string) => console.log(line));
  const home = resolve(options.home);
  const dagsFolder = resolve(options.dagsFolder);
  const state = secureStateFolder(home);
  for (const { path, mode } of state.tightened) log(`skydag: ${path} was readable by other users (mode ${mode}); it is now private (0700)`);
  for (const path of state.notOwned) log(`skydag: warning: ${path} belongs to another user and is readable by others; tasks and other users may read the platform's state`);
  const tasks = checkTaskSetup({ dagsFolder, home, python: defaultPython(), shimDir: PYTHON_SHIM_DIR });
  for (const warning of tasks.warnings) log(`skydag: warning: ${warning}`);
  if (tasks.user) log(`skydag: tasks run as user '${tasks.user.name}' (uid ${tasks.user.uid})`);
  const embedded = options.store ? undefined : await startEmbeddedDynamoDB({ home });
  const store = options.store ?? embedded!.store;
  const { cipher, jwtSecret } = loadLocalSecrets(home);
  // One pool of parse workers for the folder sync and API uploads: a hostile file costs a worker, never the server.
  const ownLoader = options.parseLimits ? new BoundedDagLoader({ ...parseLimitsFromEnv(), ...options.parseLimits }) : undefined;
  const dagLoader = ownLoader ?? sharedDagFileLoader();

  // DAG source bundles (one per synced file content) live with the other blobs.
  const blobs = new FsBlobStore(join(home, 'blobs'));
  // The variables tasks read; the DAG files' parse-time Variable.get reads the same.
  const variables = storeVariables(store, cipher);
  const runtime = createLocalRuntime({
    dagsFolder,
    home,
    store,
    dagSource: (engine) => new StoreDagSource(store, engine, dagsFolder, new BundleCache(bundleCacheFolder(home), blobBundleLoader(blobs))),
    variables,
    connections: storeConnections(store, cipher),
    cipher,
    pools: storedPoolSizes(store),
  });

  // Before anything runs again: task processes a platform that died left running are stopped.
  const orphans = await runtime.stopOrphanedProcesses();
  if (orphans > 0) log(`skydag: stopped ${orphans} task process group(s) left running by a previous skydag that did not stop them`);

  // A DAG whose file was deleted (or no longer defines it) cannot go on running: its unfinished runs end,
  // failed with the reason (docs/security.md, "Orphaned tasks and fencing").
  const endRunsOfRemovedDags = async (dagIds: readonly string[]) => {
    for (const dagId of dagIds) {
      const record = await store.getDag(dagId);
      if (!record || record.is_active) continue; // back meanwhile
      const why = existsSync(join(dagsFolder, record.fileloc))
        ? `${record.fileloc} no longer defines DAG '${dagId}'`
        : `The DAG file ${record.fileloc} of DAG '${dagId}' was deleted`;
      for (const run of await store.listActiveDagRuns({ dagId })) {
        const reason = `${why} while run ${run.run_id} was ${run.state}; the run was stopped`;
        await store.updateDagRun(dagId, run.run_id, { note: run.note ? `${run.note}\n${reason}` : reason });
        await runtime.endRemovedRun(run, reason);
        log(`skydag: ${reason}`);
      }
    }
  };
  const applied = async (report: SyncReport): Promise<SyncReport> => {
    await endRunsOfRemovedDags(report.deactivated);
    return report;
  };
  const syncOptions = (): SyncOptions => ({ now: new Date(), pausedAtCreation: options.pausedAtCreation ?? true, loader: dagLoader, bundles: blobs, variables: (key) => variables.get(key) });
  // Every sync of the folder (rescan, watcher, upload, git pull) runs alone: a rescan that listed the
  // folder before an upload must not finish after the upload's sync and unregister the new DAG.
  const oneSyncAtATime = serial();
  // Work started in the background (scheduler passes, watched files, rescans): close() waits for it
  // before it closes the store under it.
  const background = new Set<Promise<unknown>>();
  const inBackground = <T>(work: Promise<T>): Promise<T> => {
    background.add(work);
    void work.then(() => background.delete(work), () => background.delete(work));
    return work;
  };
  const syncFile = (path: string, extra: Partial<SyncOptions> = {}) => oneSyncAtATime(async () => applied(await syncDagFile(store, dagsFolder, path, { ...syncOptions(), ...extra })));
  const resync = () => oneSyncAtATime(async () => applied(await syncDagsFolder(store, dagsFolder, syncOptions())));

  // The reconciler the cloud runs every minute: lost token answers, tasks a dead handler left undecided, leaked slots.
  let lastReconcile = 0;
  const reconcileEveryMinute = async () => {
    if (Date.now() - lastReconcile < RECONCILE_INTERVAL_MS) return;
    lastReconcile = Date.now();
    const report = await reconcile(runtime.deps, { dagIds: (await store.listDags({ includeInactive: true })).items.map((d) => d.dag_id), executions: runtime.executions });
    for (const error of report.errors) log(`skydag: reconciling ${error}`);
    if (report.releasedSlots > 0) log(`skydag: reconciler gave back ${report.releasedSlots} slot holding(s) of ended tries`);
    for (const repaired of report.repairedCounts) log(`skydag: reconciler mended a kept total: ${repaired}`);
  };
  // Per-user git repositories pulled into git/<user>/ of the DAGs folder (on demand, and on each pass when due).
  // Local mode runs on the user's own machine, so file:// repositories are allowed here (not in the cloud).
  const gitPulls: PullOptions = { configs: new GitConfigStore(blobs, cipher, { allowFileUrls: true }), target: localDagTree(store, dagsFolder, syncOptions, syncFile), allowFileUrls: true };
  const pullDueRepositories = scheduledPuller(gitPulls, log);
  const { ticker, starter } = createLocalScheduler({
    runtime,
    store,
    intervalSeconds: options.tickSeconds ?? 5,
    log,
    recoverOnStart: true,
    slaMissCallback: localSlaMissCallback(runtime, home),
    onPass: () => {
      void inBackground(wakePoolWaiters(runtime.deps)).catch((err: unknown) => log(`skydag: waking pool waiters failed: ${(err as Error).message}`));
      void inBackground(reconcileEveryMinute()).catch((err: unknown) => log(`skydag: reconciling runs failed: ${(err as Error).message}`));
      void inBackground(pullDueRepositories()).catch((err: unknown) => log(`skydag: scheduled git pulls failed: ${(err as Error).message}`));
    },
  });
  const startQueued = async (dag: { record: { dag_id: string; max_active_runs: number } }) => {
    await startQueuedRuns({ store, now: new Date(), startRun: starter.startRun }, dag.record);
  };

  // A cleared run is re-queued; when its previous execution is still in flight it starts again once that ends.
  const restartWhenDone = new Set<string>();
  const controller: RunController = {
    async restart(run: DagRunRecord) {
      const key = `${run.dag_id}/${run.run_id}`;
      if (starter.active.has(key)) restartWhenDone.add(key);
      else void ticker.tick().catch(() => undefined);
    },
    async stop(run: DagRunRecord) {
      runtime.stopRun(run, `the run was set to ${run.state}`);
    },
    async tasksChanged() {
      void ticker.tick().catch(() => undefined);
    },
  };
  const requeueFinished = async (run: DagRunRecord) => {
    const key = `${run.dag_id}/${run.run_id}`;
    if (!restartWhenDone.delete(key)) return;
    await store.updateDagRun(run.dag_id, run.run_id, { state: DagRunState.QUEUED, end_date: null });
    await ticker.tick();
  };

  const repository = openLocalRepository(home, store, blobs);
  const api = createApi({
    store,
    logs: runtime.logs,
    launcher: createStoreRunLauncher(store, startQueued, undefined, cipher, runtime.deps.timetables),
    timetables: runtime.deps.timetables,
    controller,
    dagFiles: folderDagFiles(dagsFolder, async (filename, what) => {
      const how = { written: 'uploaded', deleted: 'deleted', reread: 'read again (a variable it reads changed)' }[what];
      log(`skydag: ${filename} ${how}: ${describeSync(await syncFile(join(dagsFolder, filename)))}`);
    }),
    dagLoader,
    cipher,
    spark: openLocalSparkStores(home, cipher),
    ldap: new LdapSettingsStore(blobs, cipher),
    git: { configs: gitPulls.configs, pull: (user, trigger) => pullRepository(gitPulls, user, trigger) },
    // Models and datasets: files in $SKYDAG_HOME/blobs/repository/, handed to tasks as local paths.
    repository,
    // EDA profiles with Debian's pandas through a generated DAG in this DAGs folder (local paths only).
    eda: new EdaSources({ blobs, repository, locate: (key) => blobs.pathOf(key), connections: (connId) => store.getConnection(connId) }),
    jwtSecret,
    ...signInOptions(log),
    version: options.version,
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
    ...(options.testConnection ? { connectionTester: tcpConnectionTester() } : {}),
    scheduler: { latestHeartbeat: async () => ticker.lastPassAt ?? null },
    backfill: {
      async start({ record, model }, start, end) {
        const ports = { store, dag: model, dagVersion: record.current_version, clock: () => new Date(), execute: async (run: DagRunRecord) => (await runtime.execute(run)).run, timetables: runtime.deps.timetables };
        void runBackfill(ports, start, end).then(
          (result) => log(`skydag: backfill of ${model.dag_id}: ${result.runs.length} run(s), ${result.succeeded ? 'all succeeded' : 'some did not succeed'}`),
          (err: unknown) => log(`skydag: backfill of ${model.dag_id} failed: ${(err as Error).message}`),
        );
      },
    },
  });

  const admin = await bootstrapAdmin(store, { ...(options.adminPassword ? { password: options.adminPassword } : {}) });

  const handler = apiGatewayHandler(api);
  const consoleDir = options.consoleDir === undefined ? (await ensureConsoleBuilt(log)).dir : options.consoleDir;
  const site = consoleDir ? createStaticSite(consoleDir) : undefined;
  const server = createApiGatewayServer(async (event) => {
    const page = site?.(event);
    if (page) return page;
    // Without a built console, a short page at / says where the API is.
    if (!site && event.requestContext.http.method === 'GET' && (event.rawPath === '/' || event.rawPath === '/index.html')) {
      return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: landingPage(options.version) };
    }
    return handler(event);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host ?? '127.0.0.1', () => done());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address === '::1' ? 'localhost' : address.address}:${address.port}`;
  // The server answers (/health included) while the folder is read: parsing runs in the workers.
  try {
    log(`skydag: DAGs folder ${dagsFolder}: ${describeSync(await resync())}`);
    // Runs of DAGs that were already gone before this start (e.g. removed while no platform ran).
    await endRunsOfRemovedDags((await store.listDags({ includeInactive: true })).items.filter((d) => !d.is_active).map((d) => d.dag_id));
  } catch (err) {
    await new Promise<void>((done) => server.close(() => done()));
    await ownLoader?.close();
    await embedded?.close();
    throw err;
  }

  // Watch the folder: editors write in bursts, so each file is re-read once its burst settles.
  const usedByDagFiles = (file: string, report: SyncReport) =>
    HELPER_FILE.test(file) &&
    !file.split(/[\\/]/).some((part) => part.startsWith('.') || part === '__pycache__') &&
    report.registered.length + report.updated.length + report.unchanged.length + report.deactivated.length + report.importErrors.length === 0;
  const pending = new Map<string, NodeJS.Timeout>();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dagsFolder, { recursive: true }, (_event, name) => {
      if (!name) return;
      const file = name.toString();
      clearTimeout(pending.get(file));
      pending.set(
        file,
        setTimeout(() => {
          pending.delete(file);
          void inBackground(
            syncFile(join(dagsFolder, file)).then(
              async (first) => {
                // A module or config file the DAG files use (it defines no DAG itself): the files using it are read again.
                const report = usedByDagFiles(file, first) ? await resync() : first;
                const summary = describeSync(report);
                if (summary !== 'no changes') log(`skydag: ${file}: ${summary}`);
              },
              (err: unknown) => log(`skydag: ${file}: ${(err as Error).message}`),
            ),
          );
        }, 200),
      );
    });
  } catch (err) {
    log(`skydag: not watching ${dagsFolder} (${(err as Error).message}); rescanning every ${options.rescanSeconds ?? 30} s`);
  }
  // A rescan waiting on a slow file (up to the parse timeout) is not overlapped by the next one.
  let rescanning = false;
  const rescan = setInterval(() => {
    if (rescanning) return;
    rescanning = true;
    void inBackground(resync())
      .catch((err: unknown) => log(`skydag: rescan failed: ${(err as Error).message}`))
      .finally(() => (rescanning = false));
  }, (options.rescanSeconds ?? 30) * 1000);
  rescan.unref();

  // Command-line tools of this folder reach the store through the embedded endpoint, and this controller here.
  const runControl = embedded ? await serveRunControl(home, controller, (dagId, runId) => store.getDagRun(dagId, runId), log) : undefined;
  const unsubscribe = runtime.onRunFinished((run) => void requeueFinished(run).catch(() => undefined));
  ticker.start();

  return {
    url,
    store,
    runtime,
    api,
    ...(admin.created && admin.passwordSource === 'generated' ? { generatedAdminPassword: admin.password } : {}),
    resync,
    async close() {
      unsubscribe();
      clearInterval(rescan);
      watcher?.close();
      for (const t of pending.values()) clearTimeout(t);
      await ticker.stop();
      await Promise.allSettled([...background]);
      await oneSyncAtATime(async () => undefined); // a sync an upload queued
      await runControl?.close();
      await new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections?.();
      // Let running tasks finish for a moment; then stop the rest (their subprocesses are killed).
      const grace = new Promise<void>((done) => setTimeout(done, (options.shutdownGraceSeconds ?? 10) * 1000).unref());
      await Promise.race([starter.drain(), grace]);
      runtime.close();
      await starter.drain();
      await ownLoader?.close();
      await embedded?.close();
    },
  };
}
