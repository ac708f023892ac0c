/**
 * A fake `spark-submit` for tests: records each invocation's argv (one JSON array per line) in a
 * file, then runs the application the way spark-submit would hand it over: a `.py` application with
 * `python3` (its arguments after it, PYSPARK_PYTHON honoured), a `.jar` by checking it exists and
 * printing the main class and arguments. Every `--flag` takes one value, as in what skydag emits.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FakeSparkSubmit {
  /** The folder holding `spark-submit` (put it first on PATH). */
  binDir: string;
  path: string;
  /** Every recorded argv so far, in order. */
  calls(): string[][];
}

export function installFakeSparkSubmit(dir: string): FakeSparkSubmit {
  const binDir = join(dir, 'bin');
  mkdirSync(binDir, { recursive: true });
  const record = join(dir, 'spark-submit-calls.jsonl');
  writeFileSync(record, '');
  const path = join(binDir, 'spark-submit');
  writeFileSync(
    path,
    `#!/usr/bin/env python3
import json, os, subprocess, sys
args = sys.argv[1:]
with open(${JSON.stringify(record)}, 'a') as f:
    f.write(json.dumps(args) + '\\n')
i, opts = 0, {}
while i < len(args) and args[i].startswith('--'):
    opts.setdefault(args[i][2:], []).append(args[i + 1])
    i += 2
if i >= len(args):
    print('Error: Must specify a primary resource (JAR or Python file)', file=sys.stderr)
    sys.exit(1)
app, app_args = args[i], args[i + 1:]
if not os.path.isfile(app):
    print('Error: application not found: ' + app, file=sys.stderr)
    sys.exit(1)
print('fake spark-submit: ' + ' '.join(opts.get('name', [])) + ' on ' + ' '.join(opts.get('master', ['local[*]'])), flush=True)
if app.endswith('.py'):
    python = os.environ.get('PYSPARK_PYTHON') or 'python3'
    sys.exit(subprocess.call([python, app] + app_args))
print('running ' + (opts.get('class') or ['<manifest>'])[0] + ' with ' + json.dumps(app_args), flush=True)
`,
  );
  chmodSync(path, 0o755);
  return {
    binDir,
    path,
    calls: () =>
      readFileSync(record, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[]),
  };
}
