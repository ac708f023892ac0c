/**
 * The interpreter's asl-validator is vendored (vendor/asl-validator, VENDORED.md) with its JSON Schema
 * check compiled ahead of time instead of at every call and its checks' recursive JSONPath queries
 * answered by one walk: it must judge every definition as upstream 3.16.0 does (the same verdict,
 * errors and order), valid or invalid, with ARN checks on or off, and the committed compiled code
 * must be what the generator writes today.
 */
import upstream from 'asl-validator-upstream';
import fc from 'fast-check';
import { JSONPath } from 'jsonpath-plus';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { compileDag } from '../../shared/compiler/compile.js';
import { scanFixtureFolder } from '../../test/helpers/dags-folder.js';

interface SchemaErrors {
  schemaErrorsOf(definition: unknown, options: Options): unknown[] | null;
  compiledSchemaErrorsOf(definition: unknown, options: Options): unknown[] | null;
}
interface Options {
  checkPaths: boolean;
  checkArn: boolean;
}
type Definition = { StartAt: string; States: Record<string, Record<string, unknown>>; [field: string]: unknown };

const VENDORED = join(__dirname, '../../vendor/asl-validator');
const requireVendored = createRequire(join(VENDORED, 'package.json'));
const schemaErrors = requireVendored('./src/checks/json-schema-errors.js') as SchemaErrors;
const generator = requireVendored('./generate-schema-validator.js') as { generate(): string; OUTPUT: string };
const pathFormats = (requireVendored('./src/checks/schema-formats.js') as { formats: Record<string, (value: string) => boolean> }).formats;
const { validatePath } = requireVendored('asl-path-validator') as { validatePath(path: string, context: string): { isValid: boolean } };
type Validator = (definition: unknown, options?: Partial<Options>) => { isValid: boolean; errors: unknown[]; errorsText(separator?: string): string };
const validator = requireVendored('./src/validator.js') as Validator;
const { descendants, withIndex } = requireVendored('./src/checks/descendants.js') as {
  descendants(json: unknown, names: string[]): unknown[] | undefined;
  withIndex<T>(json: unknown, run: () => T): T;
};

const OPTIONS: Options[] = [
  { checkPaths: true, checkArn: false }, // what the local engine passes
  { checkPaths: true, checkArn: true }, // the interpreter's and asl-validator's defaults
];

/** What validator.js does before the schema check: every state gets the machine's query language. */
function prepared(definition: unknown): Definition {
  const copy = structuredClone(definition) as Definition;
  const language = (copy.QueryLanguage as string | undefined) ?? 'JSONPath';
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'States' && child !== null && typeof child === 'object') {
        for (const state of Object.values(child as Record<string, Record<string, unknown>>)) if (state && typeof state === 'object' && !state.QueryLanguage) state.QueryLanguage = language;
      }
      visit(child);
    }
  };
  visit(copy);
  return copy;
}

function expectSameErrors(definition: unknown, options: Options): unknown[] | null {
  const ahead = schemaErrors.schemaErrorsOf(prepared(definition), options);
  const atRunTime = schemaErrors.compiledSchemaErrorsOf(prepared(definition), options);
  expect(ahead).toEqual(atRunTime);
  return atRunTime;
}

/** The vendored validator's judgement is upstream's: verdict, errors (their order too) and text. */
function expectUpstreamJudgement(definition: unknown, options: Options): boolean {
  const vendored = validator(structuredClone(definition), options);
  const reference = upstream(structuredClone(definition) as object, options);
  expect(vendored.errors).toEqual(reference.errors);
  expect(vendored.errorsText()).toBe(reference.errorsText());
  expect(vendored.isValid).toBe(reference.isValid);
  return reference.isValid;
}

const now = new Date('2024-06-15T12:00:00Z');
const machines = ['examples/dags', 'test/fixtures/dags/features', 'test/fixtures/e2e'].flatMap((folder) =>
  [...scanFixtureFolder(join(__dirname, '../..', folder), now).dags.values()].flatMap(({ dag }) => compileDag(dag).machines.map((m) => m.definition as unknown as Definition)),
);
/** A small compiled machine with a Task state: what the mutations change. */
const base = machines.filter((m) => Object.values(m.States).some((s) => s.Type === 'Parallel')).sort((a, b) => JSON.stringify(a).length - JSON.stringify(b).length)[0]!;

/** The first state of `type` anywhere in the definition (states of Parallel branches included). */
function firstState(definition: Definition, type: string): Record<string, unknown> {
  const states: Record<string, unknown>[] = [];
  const visit = (machine: Definition) => {
    for (const state of Object.values(machine.States)) {
      states.push(state);
      for (const branch of (state.Branches as Definition[] | undefined) ?? []) visit(branch);
    }
  };
  visit(definition);
  const found = states.find((s) => s.Type === type);
  if (!found) throw new Error(`no ${type} state`);
  return found;
}

const MUTATIONS: Record<string, (d: Definition) => void> = {
  'an InputPath that does not parse': (d) => (firstState(d, 'Task').InputPath = '$..['),
  'a payload template with an unknown intrinsic': (d) => (firstState(d, 'Task').Parameters = { 'x.$': 'States.Nope(' }),
  'a function in a ResultPath': (d) => (firstState(d, 'Task').ResultPath = "States.Format('{}', $.a)"),
  'an OutputPath that is no path': (d) => (firstState(d, 'Choice').OutputPath = 'not a path'),
  'a Resource that is no ARN': (d) => (firstState(d, 'Task').Resource = 'not-an-arn'),
  'a Wait with an impossible timestamp': (d) => Object.assign(firstState(d, 'Wait'), { Seconds: undefined, SecondsPath: undefined, Timestamp: '2024-13-45T99:00:00Z' }),
  'an unknown state type': (d) => (firstState(d, 'Task').Type = 'Bogus'),
  'an unknown field': (d) => (firstState(d, 'Task').Bogus = 1),
  'a state name over 80 characters': (d) => (d.States['x'.repeat(81)] = { Type: 'Succeed' }),
  'a negative TimeoutSeconds': (d) => (d.TimeoutSeconds = -1),
  'a JSONata state with an expression that does not parse': (d) => (d.States.Bad = { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% 1 + %}', End: true }),
  'a Choice rule on a path that does not parse': (d) => ((firstState(d, 'Choice').Choices as Record<string, unknown>[])[0]!.Variable = '$.a[?('),
  'a HeartbeatSeconds that is a string': (d) => (firstState(d, 'Task').HeartbeatSeconds = 'soon'),
  // Schema-valid, caught by the checks that follow the schema check (their messages' order too).
  'unreachable states and missing targets': (d) => {
    Object.assign(d.States, { Orphan: { Type: 'Succeed' }, Stray: { Type: 'Pass', Next: 'Nowhere' } });
    firstState(d, 'Task').Next = 'Elsewhere';
  },
  'a state name used twice (in a branch and outside)': (d) => {
    const inBranch = Object.keys((firstState(d, 'Parallel').Branches as Definition[])[0]!.States)[0]!;
    d.States[inBranch] = { Type: 'Succeed' };
  },
  'fields that clash once ".$" is stripped': (d) => (firstState(d, 'Task').Parameters = { a: 1, 'a.$': '$.x', nested: { b: 2, 'b.$': '$.y' } }),
  'a branch state that leaves its branch': (d) => (firstState(d, 'Task').Next = d.StartAt),
  'a Map iterator state that leaves its Map': (d) => {
    d.States.Each = { Type: 'Map', Iterator: { StartAt: 'Inner', States: { Inner: { Type: 'Pass', Next: d.StartAt } } }, End: true };
    d.States.Entry = { Type: 'Pass', Next: 'Each' };
    (d.States[d.StartAt] as Record<string, unknown>).Catch = [{ ErrorEquals: ['States.ALL'], Next: 'Entry' }];
  },
};

describe('vendored asl-validator: the JSON Schema check compiled ahead of time', () => {
  it('is what generate-schema-validator.js writes from today’s schemas, formats and ajv', () => {
    expect(readFileSync(generator.OUTPUT, 'utf8')).toBe(generator.generate());
  });

  it('accepts every compiled fixture and example DAG, as upstream and the schemas compiled at run time do', () => {
    expect(machines.length).toBeGreaterThan(50);
    for (const machine of machines) for (const options of OPTIONS) expect(validator(structuredClone(machine), options).errors).toEqual([]);
    // All of them at once through upstream and the run-time compilation (one compile instead of one
    // per machine): the schemas accept it; the checks reject the state names the DAGs share.
    const all: Definition = { StartAt: 'all', States: { all: { Type: 'Parallel', Branches: machines.map((m) => ({ StartAt: m.StartAt, States: m.States })), End: true } } };
    for (const options of OPTIONS) {
      expect(expectSameErrors(all, options)).toBeNull();
      expect(expectUpstreamJudgement(all, options)).toBe(false);
      expect(validator(structuredClone(all), options).errorsText()).toMatch(/^DUPLICATE_STATE_NAME/);
    }
  });

  it.each(Object.entries(MUTATIONS))('judges as upstream a definition with %s', (_name, mutate) => {
    const definition = structuredClone(base);
    mutate(definition);
    const verdicts = OPTIONS.map((options) => expectUpstreamJudgement(definition, options));
    // Every mutation is invalid with ARN checks on (only the ARN one is valid with them off).
    expect(verdicts[1]).toBe(false);
  });

  it('reports the run-time compilation’s schema errors (the raw Ajv errors) for an invalid definition', () => {
    const definition = structuredClone(base);
    MUTATIONS['an InputPath that does not parse']!(definition);
    MUTATIONS['a Wait with an impossible timestamp']!(definition);
    for (const options of OPTIONS) expect(expectSameErrors(definition, options)).not.toBeNull();
  });

  it('follows options.checkArn per call', () => {
    const definition = structuredClone(base);
    MUTATIONS['a Resource that is no ARN']!(definition);
    expect(validator(structuredClone(definition), { checkPaths: true, checkArn: false }).isValid).toBe(true);
    expect(validator(structuredClone(definition), { checkPaths: true, checkArn: true }).errorsText()).toMatch(/Resource is invalid/);
    expect(validator(structuredClone(definition)).isValid).toBe(false);
  });

  it('finds what jsonpath-plus finds for `$..Name` and `$..[A,B]`, in its order, by a walk and from the index of a document', () => {
    const key = fc.constantFrom('States', 'Next', 'Default', 'StartAt', 'Branches', 'Parameters', 'x', 'y');
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.constantFrom(null, 0, 1, '', 'text', true, false), fc.array(tie('value'), { maxLength: 3 }), tie('object')),
      object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    })).value;
    fc.assert(
      fc.property(json, fc.uniqueArray(key, { minLength: 1, maxLength: 3 }), (document, names) => {
        const path = names.length === 1 ? `$..${names[0]}` : `$..[${names.join(',')}]`;
        const expected = JSONPath({ json: document as object, path });
        expect(descendants(document, names)).toEqual(expected);
        expect(withIndex(document, () => descendants(document, names))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('judges as upstream a state’s path fields holding random paths', () => {
    const pathPiece = fc.constantFrom('$', '$$', '.', '..', 'a', 'b1', '[', ']', '0', '*', '(', ')', "'", ',', ' ', 'States.Format', 'States.Array', '?', '@', '$.a', '{}', '%');
    const path = fc.array(pathPiece, { maxLength: 8 }).map((pieces) => pieces.join(''));
    const field = fc.constantFrom('InputPath', 'OutputPath', 'ResultPath', 'x.$');
    fc.assert(
      fc.property(field, path, fc.constantFrom(...OPTIONS), (name, value, options) => {
        const definition = structuredClone(base);
        const task = firstState(definition, 'Task');
        if (name === 'x.$') task.Parameters = { 'x.$': value };
        else task[name] = value;
        expectUpstreamJudgement(definition, options);
      }),
      { numRuns: 12 },
    );
  });

  it('loads Ajv, ajv-formats and JSONata only for the checks that need them (the validation worker of a first run loaded them for nothing)', () => {
    // A fresh process: what the validator loads to validate a compiled DAG, then a JSONata expression.
    const script = `
      const loaded = () => Object.keys(require.cache).filter((f) => /node_modules[\\/](ajv|ajv-formats|jsonata)[\\/]/.test(f) && !/ajv-formats[\\/]dist[\\/]formats/.test(f)).length;
      const loadedValidator = require(${JSON.stringify(join(VENDORED, 'src/validator.js'))});
      const validate = loadedValidator.default ?? loadedValidator;
      const plain = validate(${JSON.stringify(base)}, { checkPaths: true, checkArn: false });
      const before = loaded();
      const jsonata = validate({ StartAt: 'A', States: { A: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% 1 + %}', End: true } } }, { checkPaths: true });
      console.log(JSON.stringify([plain.isValid, before, jsonata.isValid, loaded() > 0]));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([true, 0, false, true]);
  });

  it('remembers a path’s verdict and gives asl-path-validator’s', () => {
    const contexts = { asl_path: 'path', asl_ref_path: 'reference_path', asl_result_path: 'result_path', asl_payload_template: 'payload_template' } as const;
    const piece = fc.constantFrom('$', '$$', '.', '..', 'a', '[', ']', '0', '*', '(', ')', "'", ',', 'States.Format', 'States.StringToJson', '$.a', '?', '@', '==', '1');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }).map((p) => p.join('')), fc.constantFrom(...(Object.keys(contexts) as (keyof typeof contexts)[])), (value, format) => {
        const expected = validatePath(value, contexts[format]).isValid;
        expect(pathFormats[format]!(value)).toBe(expected);
        expect(pathFormats[format]!(value)).toBe(expected); // remembered
      }),
      { numRuns: 500 },
    );
  });
});
