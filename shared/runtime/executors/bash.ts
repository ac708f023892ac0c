/**
 * BashOperator (Airflow 2.x `airflow/operators/bash.py` + `airflow/hooks/subprocess.py`).
 *
 * - Runs `bash -c <bash_command>` in its own process group (Airflow's `os.setsid`), with stdout
 *   and stderr merged into one pipe (Airflow's `stderr=STDOUT`), so the log keeps the order in
 *   which the command wrote and the XCom is the last line of that merged stream. `bash_command`
 *   has already been rendered (and a `.sh`/`.bash` file loaded) by the caller: it runs verbatim.
 * - Working directory: `cwd` when given (it must exist and be a directory), else a fresh temporary
 *   directory removed afterwards.
 * - Environment: Airflow's rules over skydag's task environment (task-environment.ts) instead of the
 *   worker's: without `env` the task gets that minimal environment; `env` replaces it (or, with
 *   `append_env`, is added to it); Airflow's `AIRFLOW_CTX_*` variables are added. The platform's own
 *   environment never reaches the command.
 * - Exit 0 → success; the XCom (`do_xcom_push`) is the last non-empty output line, right-stripped
 *   (Airflow takes the very last line, even a blank one; skipping trailing blank lines is skydag's).
 *   An exit code in `skip_on_exit_code` (default 99; legacy `skip_exit_code`) → skipped. Anything
 *   else → TaskFailedError. Death by a signal reports Python's negative return code (-9, -15).
 * - Abort (execution_timeout / stop): SIGTERM to the whole process group, SIGKILL after a grace
 *   period if anything in the group is still alive, then TaskTimeoutError.
 *
 * The command text and the environment are never written to the log (either may carry secrets);
 * the rendered command is kept with the task instance's rendered fields.
 */
import { stat } from 'node:fs/promises';
import { constants as osConstants, tmpdir } from 'node:os';
import { TextDecoder } from 'node:util';
import type { PyValue } from '../../model/schema.js';
import { delay, terminateGroup } from './process-group.js';
import { spawnDirect, type SpawnedProcess, type SpawnProcess, type TempCwd } from './spawner.js';
import { abortError, isPlainDict, optionalBool, requiredString, withReturnValue } from './support.js';
import { airflowContextEnv, closeInheritedFdsScript, findBash, QUIET_BASH, taskBaseEnv, taskCredentials, taskUser, withTaskWorkDir } from './task-environment.js';
import {
  type ExecutionOutcome,
  type ExecutionRequest,
  type TaskExecutor,
  TaskFailedError,
  TaskNotRunnableError,
} from './types.js';

export interface BashExecutorOptions {
  /** How long to wait after SIGTERM before SIGKILL-ing the process group (default 5000 ms). */
  killGraceMs?: number;
  /** The bash binary (default: `bash` found on the parent's PATH, else /bin/bash). */
  bashPath?: string;
  /** The platform's environment, from which the task environment's basics and passthrough are read (default: process.env). */
  parentEnv?: NodeJS.ProcessEnv;
  /** How the command's process is started (default: Node's spawn here; local mode passes its long-lived spawner). */
  spawn?: SpawnProcess;
}

const DEFAULT_SKIP_EXIT_CODE = 99;

function readEnvArg(request: ExecutionRequest): Record<string, string> | undefined {
  const raw = request.args.env;
  if (raw === undefined || raw === null) return undefined;
  if (!isPlainDict(raw)) {
    throw new TaskNotRunnableError(`BashOperator '${request.task.task_id}': env must be a dict of strings`);
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      // Popen rejects non-string values too (TypeError: expected str ...).
      throw new TaskNotRunnableError(
        `BashOperator '${request.task.task_id}': env values must be strings; '${key}' is ${value === null ? 'None' : Array.isArray(value) ? 'a list' : `a ${typeof value}`}. Quote it in the DAG file, e.g. "${key}": "..."`,
      );
    }
    env[key] = value;
  }
  return env;
}

/** Airflow's `skip_on_exit_code` handling: default 99; None or 0 → no skip code; legacy `skip_exit_code` wins. */
function readSkipCodes(request: ExecutionRequest): number[] {
  const legacy = request.args.skip_exit_code;
  let value: PyValue | undefined = 'skip_on_exit_code' in request.args ? request.args.skip_on_exit_code : DEFAULT_SKIP_EXIT_CODE;
  if (legacy !== undefined && legacy !== null) value = legacy;
  const bad = () =>
    new TaskNotRunnableError(`BashOperator '${request.task.task_id}': skip_on_exit_code must be an integer, a list of integers or None`);
  if (value === undefined || value === null) return [];
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw bad();
    return value ? [value] : [];
  }
  if (Array.isArray(value)) {
    if (!value.every((v): v is number => typeof v === 'number' && Number.isInteger(v))) throw bad();
    return value;
  }
  throw bad();
}

/** Tracks the last non-empty line of a text stream without keeping the whole output. */
class LastLine {
  private pending = '';
  private last = '';
  push(text: string): void {
    const parts = (this.pending + text).split('\n');
    this.pending = parts.pop() ?? '';
    for (const line of parts) this.consider(line);
  }
  finish(): string {
    this.consider(this.pending);
    this.pending = '';
    return this.last;
  }
  private consider(line: string): void {
    const stripped = line.trimEnd();
    if (stripped) this.last = stripped;
  }
}

/** The task's own `cwd` (checked), or undefined: then it runs in a fresh temporary directory. */
async function givenCwd(request: ExecutionRequest): Promise<string | undefined> {
  const raw = request.args.cwd;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw new TaskNotRunnableError(`BashOperator '${request.task.task_id}': cwd must be a string`);
  const info = await stat(raw).catch(() => undefined);
  if (!info) throw new TaskFailedError(`Can not find the cwd: ${raw}`);
  if (!info.isDirectory()) throw new TaskFailedError(`The cwd ${raw} must be a directory`);
  return raw;
}

export function decoderFor(request: ExecutionRequest): TextDecoder {
  const encoding = typeof request.args.output_encoding === 'string' ? request.args.output_encoding : 'utf-8';
  try {
    return new TextDecoder(encoding);
  } catch {
    throw new TaskNotRunnableError(`BashOperator '${request.task.task_id}': unknown output_encoding '${encoding}'`);
  }
}

/** One bash command to run for a task: the command text, its environment and decoder. */
export interface BashCommand {
  command: string;
  env: Record<string, string>;
  decoder: TextDecoder;
  /** The task's own working directory; without it a fresh temporary directory (removed afterwards). */
  cwd?: string;
}

export interface BashResult {
  /** The exit code, or Python's negative code for death by a signal (-9, -15). */
  exitCode: number;
  /** The last non-empty output line, right-stripped. */
  lastLine: string;
}

/**
 * Runs one command with bash in its own process group, streaming its merged output to the log; on
 * abort stops the group (SIGTERM, SIGKILL after the grace period) and throws TaskTimeoutError.
 */
export async function runBashCommand(request: ExecutionRequest, cmd: BashCommand, options: BashExecutorOptions = {}): Promise<BashResult> {
  const { log, signal } = request;
  const graceMs = options.killGraceMs ?? 5000;
  const parentEnv = options.parentEnv ?? process.env;
  const bashPath = options.bashPath ?? findBash(parentEnv.PATH);
  const { command, env, decoder } = cmd;
  if (signal.aborted) throw abortError(signal);

  const spawn = options.spawn ?? spawnDirect;
  /** In `cwd`, or in a temporary directory the spawner makes and removes. */
  const run = async (where: { cwd: string } | { tempCwd: TempCwd }): Promise<BashResult> => {
    log.info(`Running command: ['${bashPath}', '-c', <bash_command: ${command.length} characters, see the rendered fields>]`);
    const tracking = request.trackProcess;
    const common = {
      ...where,
      env,
      detached: true /* setsid(): the command gets its own process group */,
      ...taskCredentials(parentEnv),
      ...(tracking ? { record: tracking.record() } : {}),
    };
    const child = spawn.exactStdio
      ? // Airflow's own command line, with stderr on the stdout descriptor and nothing else inherited.
        spawn(bashPath, ['-c', command], { ...common, mergeStderr: true })
      : // A first bash points fd 2 at fd 1 (one stream, so stdout and stderr keep their order), closes the
        // descriptors the platform leaked (task-environment.ts), and execs the bash that runs the command.
        spawn(bashPath, [...QUIET_BASH, '-c', `exec 2>&1; ${closeInheritedFdsScript()}; exec "$0" -c "$1"`, bashPath, command], common);
    // The spawner recorded the process before it said it started; it is forgotten once it ended (here,
    // unless the spawner removed the record itself before 'close').
    let startedPid: number | undefined;
    try {
      return await supervise(child, (pid) => (startedPid = pid));
    } finally {
      if (startedPid !== undefined && !child.recordForgotten) tracking?.forget(startedPid);
    }
  };

  /** Attaches to every event of the child first (synchronously), then waits for it to start and to end. */
  const supervise = async (child: SpawnedProcess, track: (pid: number) => void): Promise<BashResult> => {
    const { stdout } = child;
    const lastLine = new LastLine();
    log.info('Output:');
    stdout.on('data', (chunk: Buffer) => {
      const text = decoder.decode(chunk, { stream: true });
      if (!text) return;
      log.write(text);
      lastLine.push(text);
    });

    const closed = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, sig) => resolve({ code, sig }));
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const started = new Promise<number | undefined>((resolve) => {
      if (child.pid !== undefined) resolve(child.pid);
      child.once('spawn', () => resolve(child.pid));
      closed.catch(() => resolve(undefined));
    });

    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });

    let result: { code: number | null; sig: NodeJS.Signals | null } | 'aborted';
    let pid: number | undefined;
    try {
      pid = await started;
      if (pid !== undefined) track(pid);
      result = await Promise.race([closed, aborted]);
    } catch (error) {
      throw new TaskFailedError(`Could not start bash (${bashPath}): ${(error as Error).message}`);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }

    if (result === 'aborted') {
      log.info('Sending SIGTERM signal to process group');
      if (pid !== undefined) await terminateGroup(pid, graceMs);
      await Promise.race([exited, delay(2000)]);
      stdout.destroy();
      const tail = decoder.decode();
      if (tail) log.write(tail);
      throw abortError(signal);
    }

    const tail = decoder.decode();
    if (tail) {
      log.write(tail);
      lastLine.push(tail);
    }
    const exitCode = result.code ?? -(osConstants.signals[result.sig ?? 'SIGKILL'] ?? 9);
    log.info(`Command exited with return code ${exitCode}`);
    return { exitCode, lastLine: lastLine.finish() };
  };

  if (cmd.cwd !== undefined) return run({ cwd: cmd.cwd });
  const parent = tmpdir();
  log.info(`Tmp dir root location: ${parent}`);
  if (spawn.tempCwd) {
    // Made and removed by the spawner beside the process: no round trips of this process's thread pool per task.
    const user = taskUser(parentEnv);
    return run({ tempCwd: { parent, prefix: 'airflowtmp', ...(user ? { owner: { uid: user.uid, gid: user.gid } } : {}) } });
  }
  return withTaskWorkDir((cwd) => run({ cwd }), 'airflowtmp', parentEnv);
}

/** The environment Airflow's BashOperator/BashSensor give the command, over skydag's task environment. */
export function bashEnv(request: ExecutionRequest, parentEnv: NodeJS.ProcessEnv, appendEnv: boolean): Record<string, string> {
  const userEnv = readEnvArg(request);
  // Airflow's get_env() with skydag's task environment where Airflow uses os.environ.
  const taskEnv = taskBaseEnv(parentEnv);
  const baseEnv = userEnv === undefined ? taskEnv : appendEnv ? { ...taskEnv, ...userEnv } : { ...userEnv };
  return { ...baseEnv, ...airflowContextEnv(request) };
}

export function createBashExecutor(options: BashExecutorOptions = {}): TaskExecutor {
  return async (request: ExecutionRequest): Promise<ExecutionOutcome> => {
    const command = requiredString(request, 'bash_command');
    const skipCodes = readSkipCodes(request);
    const env = bashEnv(request, options.parentEnv ?? process.env, optionalBool(request, 'append_env', false));
    const decoder = decoderFor(request);
    if (request.signal.aborted) throw abortError(request.signal);
    const cwd = await givenCwd(request);
    const { exitCode, lastLine } = await runBashCommand(request, { command, env, decoder, cwd }, options);
    if (skipCodes.includes(exitCode)) {
      return { outcome: 'skipped', message: `Bash command returned exit code ${exitCode}. Skipping.` };
    }
    if (exitCode !== 0) {
      throw new TaskFailedError(`Bash command failed. The command returned a non-zero exit code ${exitCode}.`);
    }
    return { outcome: 'success', ...withReturnValue(request.task, lastLine) };
  };
}

/** The BashOperator executor with default options. */
export const bashExecutor: TaskExecutor = createBashExecutor();
