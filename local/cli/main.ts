/**
 * The skydag CLI (Airflow-CLI-like). Every command takes --dags-folder (default ./dags or
 * $SKYDAG_DAGS_FOLDER) and, where it prints data, --output json.
 */
import { Command, CommanderError, Option } from 'commander';
import type { DagsOptions } from './dags.js';
import { registerBackfillCommand } from './backfill.js';
import { registerDbCommands } from './db.js';
import { dev, skydagVersion } from './dev.js';
import { dagsTest, tasksTest, type RunCommandOptions } from './run-commands.js';
import { processIO, UsageError, type CliIO } from './io.js';
import { registerUsersCommands } from './users.js';
import { registerSparkCommands } from './spark.js';
import { registerResourceCommands } from './resources.js';
import { registerRunCommands } from './runs.js';
import { registerLoginCommands } from './login.js';
import type { CommandContext } from './output.js';
import { registerLdapCommands } from './ldap.js';
import { registerGitCommands } from './git.js';
import { registerEdaCommands, registerRepositoryCommands } from './repository.js';
import { registerArchiveCommands } from './archive.js';
import { useLocalAirflowPaths } from '../airflow-paths.js';

function defaultDagsFolder(): string {
  return process.env.SKYDAG_DAGS_FOLDER ?? './dags';
}

function skydagHome(): string {
  return process.env.SKYDAG_HOME ?? './.skydag';
}

function buildProgram(io: CliIO, setExit: (code: number) => void, readInput: () => Promise<string>, fetchImpl?: typeof fetch): Command {
  const program = new Command('skydag')
    .description('Serverless, Airflow-compatible workflow orchestrator')
    .version(skydagVersion(), '-V, --version', 'print the skydag version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  // Airflow's [core] dags_folder for the DAG files and tasks this command reads and runs.
  program.hook('preAction', (_program, command) => {
    const { dagsFolder } = command.opts<{ dagsFolder?: unknown }>();
    useLocalAirflowPaths(typeof dagsFolder === 'string' ? dagsFolder : defaultDagsFolder());
  });
  const withCommon = (cmd: Command) =>
    cmd
      .addOption(new Option('--dags-folder <dir>', 'folder holding DAG files').default(defaultDagsFolder(), '$SKYDAG_DAGS_FOLDER or ./dags'))
      .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'));
  const opts = (cmd: Command): DagsOptions => {
    const o = cmd.opts<{ dagsFolder: string; output: 'table' | 'json' }>();
    return { dagsFolder: o.dagsFolder, output: o.output };
  };

  const dags = program.command('dags').description('inspect, compile and run DAGs');
  registerBackfillCommand(dags, { io, setExit, defaultDagsFolder, home: skydagHome });
  withCommon(dags.command('list').description("list the DAGs of the DAGs folder and its import errors, paused as the platform's store of $SKYDAG_HOME says when there is one")).action(async function (this: Command) {
    const { dagsList } = await import('./dags.js');
    setExit(await dagsList({ ...opts(this), home: skydagHome() }, io));
  });
  withCommon(dags.command('compile').argument('<file>', 'DAG file (.py, .yaml)').description('compile a DAG file: tasks, schedule, state-machine size and cost, compute per task (the ASL with --output json), or every error with file:line:col')).action(
    async function (this: Command, file: string) {
      const { dagsCompile } = await import('./dags.js');
      setExit(await dagsCompile(file, { ...opts(this), home: skydagHome() }, io));
    },
  );
  const runOpts = (cmd: Command): RunCommandOptions => {
    const o = cmd.opts<{ dagsFolder: string; output: 'table' | 'json'; conf?: string }>();
    return { dagsFolder: o.dagsFolder, output: o.output, home: skydagHome(), ...(o.conf !== undefined ? { conf: o.conf } : {}) };
  };
  withCommon(dags.command('test').argument('<dag_id>').argument('[logical_date]', 'YYYY-MM-DD or ISO-8601 (default: now)').description('run one full DAG run in-process (no server); exit 0 iff it succeeded'))
    .option('-c, --conf <json>', 'dag_run.conf as a JSON object')
    .option('--mark-success-pattern <regex>', "don't run task ids the pattern fully matches: mark them successful (e.g. sensors of other systems)")
    .option('--use-executor', "accepted for Airflow's CLI: skydag always runs the tasks through its local engine")
    .action(async function (this: Command, dagId: string, logicalDate?: string) {
      const pattern = this.opts<{ markSuccessPattern?: string }>().markSuccessPattern;
      setExit(await dagsTest(dagId, logicalDate, { ...runOpts(this), ...(pattern !== undefined ? { markSuccessPattern: pattern } : {}) }, io));
    });
  const tasks = program.command('tasks').description('list, run, clear and inspect task instances');
  withCommon(tasks.command('test').argument('<dag_id>').argument('<task_id>').argument('[logical_date]').description('run one task, ignoring dependencies; nothing is kept'))
    .option('-c, --conf <json>', 'dag_run.conf as a JSON object')
    .action(async function (this: Command, dagId: string, taskId: string, logicalDate?: string) {
      setExit(await tasksTest(dagId, taskId, logicalDate, runOpts(this), io));
    });

  program
    .command('dev')
    .description('local mode: REST API, scheduler, engine and the watched DAGs folder on http://localhost:8080 (what `npm start` runs)')
    .addOption(new Option('--dags-folder <dir>', 'folder holding DAG files').default(defaultDagsFolder(), '$SKYDAG_DAGS_FOLDER or ./dags'))
    .addOption(new Option('--port <port>', 'HTTP port').default(process.env.PORT ?? '8080', '$PORT or 8080'))
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1'))
    .action(async function (this: Command) {
      const o = this.opts<{ dagsFolder: string; port: string; host: string }>();
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port '${o.port}'`);
      setExit(await dev({ dagsFolder: o.dagsFolder, home: skydagHome(), port, host: o.host }, io));
    });
  const context: CommandContext = { io, setExit, home: skydagHome, defaultDagsFolder, readStdin: readInput, ...(fetchImpl ? { fetch: fetchImpl } : {}) };
  registerRunCommands(dags, tasks, context);
  registerResourceCommands(program, context);
  registerRepositoryCommands(program, context);
  registerEdaCommands(program, context);
  registerArchiveCommands(program, context);
  registerLoginCommands(program, context);
  registerUsersCommands(program, { io, setExit, home: skydagHome, readStdin: readInput });
  registerDbCommands(program, { io, setExit, home: skydagHome });
  registerSparkCommands(program, { io, setExit, home: skydagHome, readStdin: readInput });
  registerLdapCommands(program, { io, setExit, home: skydagHome, readStdin: readInput });
  registerGitCommands(program, { io, setExit, home: skydagHome, defaultDagsFolder, readStdin: readInput });
  return program;
}

/**
 * Failures the user can act on, printed without a stack trace. Their modules load only here: a
 * command that threw one has loaded them already, and start-up does not pay for them.
 */
async function isExpectedFailure(err: unknown): Promise<boolean> {
  if (!(err instanceof Error)) return false;
  const [{ DagsFolderError }, { TemplateLimitsError }, { StoreDamagedError, StoreInUseError }, { CustomTimetableError }] = await Promise.all([
    import('../dags-folder.js'),
    import('../../shared/runtime/templates/index.js'),
    import('../stores/embedded-dynamodb.js'),
    import('../../shared/scheduling/timetable.js'),
  ]);
  return err instanceof DagsFolderError || err instanceof TemplateLimitsError || err instanceof StoreDamagedError || err instanceof StoreInUseError || err instanceof CustomTimetableError;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs the CLI and returns the process exit code; `options.readStdin` replaces process.stdin, `options.fetch` the network (tests). */
export async function main(argv: readonly string[], io: CliIO = processIO, options: { readStdin?: () => Promise<string>; fetch?: typeof fetch } = {}): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code), options.readStdin ?? readStdin, options.fetch);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError || (await isExpectedFailure(err))) {
      io.err(`error: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  }
}
