/**
 * The Python runner (skydag_runner/run.py) names the kinds it builds from the DAG file and those whose
 * templated fields are their own attributes; the TypeScript side routes and renders by the registry's
 * sets. This holds the two equal, so a new kind cannot be added to one side only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OWN_TEMPLATE_FIELD_KINDS, PYTHON_RUNNER_KINDS } from '../../operators/registry.js';
import { PYTHON_SHIM_DIR } from './python.js';

function pythonTuple(source: string, name: string): string[] {
  const m = new RegExp(`^${name} = \\(([^)]*)\\)`, 'm').exec(source);
  if (!m) throw new Error(`${name} is not a tuple in run.py`);
  return [...m[1]!.matchAll(/"([a-z0-9_]+)"/g)].map((x) => x[1]!).sort();
}

it("run.py's kinds are the registry's", () => {
  const source = readFileSync(join(PYTHON_SHIM_DIR, 'skydag_runner', 'run.py'), 'utf8');
  expect(pythonTuple(source, 'OWN_FIELDS_KINDS')).toEqual([...OWN_TEMPLATE_FIELD_KINDS].sort());
  expect(pythonTuple(source, 'PYTHON_KINDS')).toEqual([...PYTHON_RUNNER_KINDS].filter((k) => !OWN_TEMPLATE_FIELD_KINDS.has(k)).sort());
});
