/**
 * Every DAG the project ships or tests with (examples, the book's pipelines, the Couture manual's
 * DAGs, the engine fixtures) compiles to state machines that asl-validator accepts, stay within Step
 * Functions' limits, and are deterministic.
 */
import validator from 'asl-validator';
import { join } from 'node:path';
import { compileDag, STEP_FUNCTIONS_MAX_DEFINITION_BYTES } from '../../shared/compiler/compile.js';
import { BOOK_PARSE_ENV, scanFixtureFolder } from '../helpers/dags-folder.js';

const FOLDERS = ['examples/dags', 'test/fixtures/dags/book', 'test/fixtures/dags/manual', 'test/fixtures/dags/features', 'test/fixtures/e2e'].map((f) => join(__dirname, '../..', f));
const now = new Date('2024-06-15T12:00:00Z');
const dags = FOLDERS.flatMap((folder) => [...scanFixtureFolder(folder, now, folder.endsWith('book') ? BOOK_PARSE_ENV : undefined).dags.values()].map(({ dag, file }) => ({ dag, label: `${file}: ${dag.dag_id}` })));

describe('every shipped and fixture DAG compiles to valid ASL', () => {
  it('finds the DAGs', () => {
    expect(dags.length).toBeGreaterThan(130);
    expect(dags.map((d) => d.label)).toContain('ch08_movielens.py: 04_sensor');
  });

  it.each(dags.map((d) => [d.label, d.dag] as const))('%s', (_label, dag) => {
    const compiled = compileDag(dag);
    for (const machine of compiled.machines) {
      const result = validator(structuredClone(machine.definition) as object);
      expect(result.errors).toEqual([]);
      expect(new TextEncoder().encode(JSON.stringify(machine.definition)).length).toBeLessThan(STEP_FUNCTIONS_MAX_DEFINITION_BYTES);
    }
    expect(compiled.report.worst_case_events_per_run).toBeLessThan(25_000);
    expect(JSON.stringify(compileDag(dag))).toBe(JSON.stringify(compiled));
  });
});
