/**
 * Acceptance fixtures for the Python front-end.
 *
 * Every `*.py` under `test/fixtures/dags/**` that has a sibling `X.expected.json` is a case:
 * - `book/`     the example pipelines of the Airflow book (see shared/reference/airflow-book-digest.md §2),
 * - `manual/`   the example DAGs of the Couture manual (shared/seeds/001_c40da0b31b9bdcf2.txt),
 * - `features/` front-end semantics the examples do not cover (TaskFlow ids, nested groups, chain, ...),
 * - `broken/`   files that must be rejected, with the diagnostics they must produce.
 * (`book/custom/` is a helper package inside the DAG folder, not DAG files: it has no expected files.)
 *
 * Expected-results format (`X.expected.json`):
 *
 *   {
 *     "dags": {
 *       "<dag_id>": {
 *         "tasks": { "<task_id>": "<operator class as written, or @task>" },   // exactly these tasks
 *         "edges": [["up", "down"], ...],                                      // the COMPLETE edge set
 *         "schedule": "@daily" | "0 16 * * *" | "timedelta(seconds=N)" | "@once" | null,  // optional
 *         "catchup": true,                                                     // optional
 *         "trigger_rules": { "<task_id>": "none_failed" },                     // tasks NOT using all_success;
 *                                                                              // absent = every task uses all_success
 *         "args": { "<task_id>": { "<arg>": <value> } }                        // optional subset of task.args
 *       }
 *     },
 *     "errors": [{ "code": "SKYDAG-V004", "line": 15, "stage": "parse" | "validate" | "any" }]
 *   }
 *
 * How a case is checked:
 * - The file is read with `parsePythonDagFile(source, { file: <path relative to test/fixtures/dags>, now })`.
 * - `errors` empty (a good file): no error-severity diagnostic may come from the front-end or from
 *   `validateDag` on any returned DAG (they are printed when there are some); the returned DAG ids must be
 *   exactly the expected ones; per DAG the task → operator map, the exact edge set (read from
 *   `downstream_task_ids`), the schedule (in `describeSchedule` form), catchup, trigger rules and the
 *   listed arguments must match.
 * - `errors` non-empty (a broken file): every expected (code, line) must be among the error-severity
 *   diagnostics of its stage. `stage` says who reports it: "parse" (default) the front-end itself,
 *   "validate" the model validator (`validateDag`, run on each DAG the front-end returned; cycles and
 *   unknown upstreams live there), "any" either of the two (duplicate task ids: the front-end may refuse
 *   the second task, or keep it and leave the report to the validator). `line` may be omitted to accept
 *   any line. Whether DAGs are returned is not checked here: dropping every DAG of a file with errors
 *   ("nothing half-registered") is the job of `loadDagFile`, a later step.
 */
import { BOOK_PARSE_ENV } from '../helpers/dags-folder.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describeSchedule } from '../../shared/model/build.js';
import { formatDiagnostic } from '../../shared/model/diagnostics.js';
import type { Dag, Diagnostic } from '../../shared/model/schema.js';
import { parsePythonDagFile } from '../../shared/frontends/python/index.js';
import type { FrontendResult } from '../../shared/frontends/types.js';
import { validateDag } from '../../shared/validation/validate.js';

type Stage = 'parse' | 'validate' | 'any';

interface ExpectedDag {
  tasks: Record<string, string>;
  edges: [string, string][];
  schedule?: string | null;
  catchup?: boolean;
  trigger_rules?: Record<string, string>;
  args?: Record<string, Record<string, unknown>>;
}

interface ExpectedError {
  code: string;
  line?: number;
  stage?: Stage;
}

interface Expected {
  dags: Record<string, ExpectedDag>;
  errors: ExpectedError[];
}

interface Fixture {
  /** Path relative to the fixtures root, with forward slashes (also the `file` given to the front-end). */
  file: string;
  path: string;
  expected: Expected;
}

const FIXTURES_ROOT = join(__dirname, '..', 'fixtures', 'dags');
/** The parse-time clock: days_ago(n) and friends are evaluated against it. */
const NOW = new Date('2024-06-15T12:00:00Z');

/** Every `*.py` below `dir`, except the modules of helper packages (directories with an `__init__.py`). */
function dagFiles(dir: string): string[] {
  const names = readdirSync(dir).sort();
  if (names.includes('__init__.py')) return [];
  return names.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return dagFiles(path);
    return name.endsWith('.py') ? [path] : [];
  });
}

function findFixtures(dir: string): Fixture[] {
  const found: Fixture[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      found.push(...findFixtures(path));
      continue;
    }
    if (!name.endsWith('.py')) continue;
    const expectedPath = path.slice(0, -'.py'.length) + '.expected.json';
    if (!existsSync(expectedPath)) continue;
    const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as Expected;
    found.push({ file: relative(FIXTURES_ROOT, path).split(sep).join('/'), path, expected });
  }
  return found;
}

interface Outcome {
  result: FrontendResult;
  /** validateDag diagnostics for every returned DAG. */
  validation: Diagnostic[];
}

const outcomes = new Map<string, Outcome>();

/** Parses (and validates) a fixture once; a front-end that throws fails every test of that file. */
function outcomeOf(fixture: Fixture): Outcome {
  let outcome = outcomes.get(fixture.file);
  if (!outcome) {
    const source = readFileSync(fixture.path, 'utf8');
    // The book's DAGs read what its docker-compose sets, as Airflow parses them there.
    const result = parsePythonDagFile(source, { file: fixture.file, now: NOW, ...(fixture.file.startsWith('book/') ? { env: BOOK_PARSE_ENV } : {}) });
    const validation = result.dags.flatMap((dag: Dag) => validateDag(dag));
    outcome = { result, validation };
    outcomes.set(fixture.file, outcome);
  }
  return outcome;
}

function errorsOf(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'error');
}

function dagOf(fixture: Fixture, dagId: string): Dag {
  const dag = outcomeOf(fixture).result.dags.find((d) => d.dag_id === dagId);
  if (!dag) throw new Error(`${fixture.file}: the front-end returned no DAG '${dagId}'`);
  return dag;
}

function edgeList(dag: Dag): string[] {
  return dag.tasks.flatMap((t) => t.downstream_task_ids.map((down) => `${t.task_id} >> ${down}`)).sort();
}

const fixtures = findFixtures(FIXTURES_ROOT);
const goodFixtures = fixtures.filter((f) => f.expected.errors.length === 0);
const brokenFixtures = fixtures.filter((f) => f.expected.errors.length > 0);

describe('acceptance fixtures', () => {
  it('are present', () => {
    expect(goodFixtures.length).toBeGreaterThan(0);
    expect(brokenFixtures.length).toBeGreaterThan(0);
  });

  it('have an expected-results file for every DAG file', () => {
    const missing = dagFiles(FIXTURES_ROOT).filter((path) => !existsSync(path.slice(0, -'.py'.length) + '.expected.json'));
    expect(missing.map((path) => relative(FIXTURES_ROOT, path))).toEqual([]);
  });
});

describe.each(goodFixtures)('$file', (fixture) => {
  it('reads without errors (front-end and validator)', () => {
    const { result, validation } = outcomeOf(fixture);
    expect(errorsOf(result.diagnostics).map(formatDiagnostic)).toEqual([]);
    expect(errorsOf(validation).map(formatDiagnostic)).toEqual([]);
  });

  it('defines exactly the expected DAGs', () => {
    const ids = outcomeOf(fixture).result.dags.map((d) => d.dag_id).sort();
    expect(ids).toEqual(Object.keys(fixture.expected.dags).sort());
  });

  describe.each(Object.entries(fixture.expected.dags))('DAG %s', (dagId, expected) => {
    it('has the expected tasks and operators', () => {
      const dag = dagOf(fixture, dagId);
      const tasks = Object.fromEntries(dag.tasks.map((t) => [t.task_id, t.operator]));
      expect(tasks).toEqual(expected.tasks);
    });

    it('has exactly the expected edges', () => {
      const wanted = expected.edges.map(([up, down]) => `${up} >> ${down}`).sort();
      expect(edgeList(dagOf(fixture, dagId))).toEqual(wanted);
    });

    it('has the expected schedule, catchup and trigger rules', () => {
      const dag = dagOf(fixture, dagId);
      if ('schedule' in expected) expect(describeSchedule(dag.schedule)).toEqual(expected.schedule);
      if (expected.catchup !== undefined) expect(dag.catchup).toBe(expected.catchup);
      const rules = Object.fromEntries(dag.tasks.filter((t) => t.trigger_rule !== 'all_success').map((t) => [t.task_id, t.trigger_rule]));
      expect(rules).toEqual(expected.trigger_rules ?? {});
    });

    const args = Object.entries(expected.args ?? {});
    if (args.length > 0) {
      it.each(args)('task %s has the expected arguments', (taskId, wanted) => {
        const task = dagOf(fixture, dagId).tasks.find((t) => t.task_id === taskId);
        expect(task).toBeDefined();
        for (const [name, value] of Object.entries(wanted)) {
          expect([name, task?.args[name]]).toEqual([name, value]);
        }
      });
    }
  });
});

describe.each(brokenFixtures)('$file (broken)', (fixture) => {
  it('reports at least one error', () => {
    const { result, validation } = outcomeOf(fixture);
    expect(errorsOf([...result.diagnostics, ...validation]).length).toBeGreaterThan(0);
  });

  const cases = fixture.expected.errors.map((e) => ({ ...e, stage: e.stage ?? 'parse', at: e.line === undefined ? 'any line' : `line ${e.line}` }));
  it.each(cases)('reports $code at $at ($stage)', ({ code, line, stage }) => {
    const { result, validation } = outcomeOf(fixture);
    const pool = stage === 'parse' ? result.diagnostics : stage === 'validate' ? validation : [...result.diagnostics, ...validation];
    const errors = errorsOf(pool);
    const hit = errors.some((d) => d.code === code && (line === undefined || d.line === line));
    if (!hit) {
      const seen = errors.map(formatDiagnostic).join('\n  ') || '(none)';
      throw new Error(`${fixture.file}: expected ${code} at ${line === undefined ? 'any line' : `line ${line}`} (${stage}); error diagnostics of that stage:\n  ${seen}`);
    }
  });
});
