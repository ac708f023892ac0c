/**
 * Definitions that asl-validator already accepted, remembered on disk by content hash. Building a
 * machine in aws-local-stepfunctions validates its definition with asl-validator (vendored with its
 * JSON Schema check compiled ahead of time, vendor/asl-validator: ~25 ms in a new process plus ~0.5 ms
 * per task of the DAG; upstream compiled the schemas with ajv at every call, ~0.2–0.3 s more).
 * A definition is the same bytes from run to run, so a process
 * validates it once per machine and folder (`$SKYDAG_HOME/cache/asl-valid`): later builds skip the
 * validator. A definition that fails validation is not recorded, so it fails again every time. A
 * definition not seen before is validated in a worker thread while its first execution runs (the
 * execution waits for the verdict before it ends, and is stopped if the definition is invalid).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** `require` from this module (jest runs it as CommonJS, where __filename exists; node runs it as ESM). */
function localRequire(): NodeJS.Require {
  return createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
}

/** The asl-validator the interpreter validates with (aws-local-stepfunctions' own dependency). */
function interpreterValidatorPath(): string {
  // Resolved from the interpreter's own entry (its package exports no package.json).
  return createRequire(localRequire().resolve('aws-local-stepfunctions')).resolve('asl-validator');
}

/** The validator's version (and vendored patch level) is part of the key: an upgrade may accept or reject differently. */
export function validatorVersion(): string {
  // Its own manifest: the nearest package.json above its entry (vendored, it is not found by name there).
  for (let dir = dirname(interpreterValidatorPath()); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string; skydag?: { patch?: number } };
      if (manifest.name !== 'asl-validator') continue;
      return `${manifest.version ?? 'unknown'}${manifest.skydag?.patch !== undefined ? `+skydag.${manifest.skydag.patch}` : ''}`;
    } catch {
      // no package.json here
    }
  }
  return 'unknown';
}

/**
 * The validation aws-local-stepfunctions' StateMachine constructor does (same validator, same
 * defaults, same message), in a worker thread: a definition seen for the first time runs while it is
 * checked instead of after (the checks of a large DAG's definition take a good part of a first
 * `dags test` of it). The worker holds the process open only while a check is pending.
 */
const WORKER_PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const loaded = require(workerData.validator);
const aslValidator = loaded.default ?? loaded;
parentPort.on('message', ({ id, text, options }) => {
  try {
    const { isValid, errorsText } = aslValidator(JSON.parse(text), { checkArn: true, checkPaths: true, ...options });
    parentPort.postMessage({ id, error: isValid ? null : 'State machine definition is invalid, see error(s) below:\\n ' + errorsText('\\n') });
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

class ValidationWorker {
  private worker: Worker | undefined;
  /** Checks posted and not answered yet, with the worker that has them (a stopped worker fails only its own). */
  private readonly pending = new Map<number, { worker: Worker; resolve: () => void; reject: (error: Error) => void }>();
  private nextId = 0;

  validate(text: string, options: unknown): Promise<void> {
    const worker = this.start();
    const id = ++this.nextId;
    const done = new Promise<void>((resolve, reject) => this.pending.set(id, { worker, resolve, reject }));
    worker.ref();
    worker.postMessage({ id, text, options });
    return done;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_PROGRAM, { eval: true, workerData: { validator: interpreterValidatorPath() } });
    worker.on('message', ({ id, error }: { id: number; error: string | null }) => {
      const waiting = this.pending.get(id);
      this.pending.delete(id);
      // Idle: stopped, so its heap (the validator's schemas, a large definition's checks) is given back.
      if (![...this.pending.values()].some((p) => p.worker === worker)) this.stop(worker);
      if (error === null) waiting?.resolve();
      else waiting?.reject(new Error(error));
    });
    // A worker that dies fails what it was checking; the next check starts another.
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, p] of this.pending) {
        if (p.worker !== worker) continue;
        this.pending.delete(id);
        p.reject(error);
      }
    };
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`the definition validator stopped (exit code ${code})`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private stop(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    void worker.terminate();
  }
}

/** One validation worker per process, started on the first definition it has not seen. */
const sharedWorker = new ValidationWorker();

export class ValidatedDefinitions {
  private version: string | undefined;

  constructor(private readonly dir: string) {}

  /** The key of a definition (its JSON text) validated with these options: SHA-256 of both and the validator's version. */
  keyOf(definitionJson: string, options: unknown): string {
    this.version ??= validatorVersion();
    return createHash('sha256').update(JSON.stringify([this.version, options])).update('\0').update(definitionJson).digest('hex');
  }

  has(key: string): boolean {
    return existsSync(join(this.dir, key));
  }

  /** Validates a definition in the background (see WORKER_PROGRAM); rejects with the interpreter's message when it is invalid. */
  validate(definitionJson: string, options: unknown): Promise<void> {
    return sharedWorker.validate(definitionJson, options);
  }

  /** Remembers a key; a folder that cannot be written only costs the next process a validation. */
  record(key: string): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const temporary = join(this.dir, `.${key}.${process.pid}`);
      writeFileSync(temporary, '');
      renameSync(temporary, join(this.dir, key));
    } catch {
      // read-only or full disk: validate again next time
    }
  }
}
