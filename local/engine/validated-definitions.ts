/**
 * Definitions that asl-validator already accepted, remembered on disk by content hash. Building a
 * machine in aws-local-stepfunctions validates its definition with asl-validator, which compiles its
 * JSON schemas with ajv afresh on every call (~0.3–1 s per process): most of the wall time of
 * `skydag dags test` of a small DAG. A definition is the same bytes from run to run, so a process
 * validates it once per machine and folder (`$SKYDAG_HOME/cache/asl-valid`): later builds skip the
 * validator. A definition that fails validation is not recorded, so it fails again every time.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The validator's version is part of the key: an upgrade may accept or reject differently. */
function validatorVersion(): string {
  try {
    // jest runs this file as CommonJS (where __filename exists); node runs it as ESM.
    const require = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    const manifest = JSON.parse(readFileSync(require.resolve('asl-validator/package.json'), 'utf8')) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

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
