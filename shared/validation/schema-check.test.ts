import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { makeDag, makeTask } from '../../test/helpers/model.js';
import { DagSchema, DatasetConditionSchema, PyValueSchema } from '../model/schema.js';
import { DAG_VALIDATOR_FILE, DAG_VALIDATOR_OPTIONS, dagValidatorSource } from './dag-validator-source.js';
import { validate as generated } from './dag-validator.generated.js';
import { isDagModel, schemaProblems } from './schema-check.js';

describe('the DAG model schema check', () => {
  it('uses a generated validator that is up to date (run `npm run schema` after changing shared/model/schema.ts)', () => {
    expect(readFileSync(join(__dirname, '../..', DAG_VALIDATOR_FILE), 'utf8')).toBe(dagValidatorSource());
  });

  it('accepts and rejects what ajv compiling the schema at run time does, with the same errors', () => {
    const runtime = new Ajv({ ...DAG_VALIDATOR_OPTIONS }).addSchema(PyValueSchema).addSchema(DatasetConditionSchema).compile(DagSchema);
    const task = makeTask('a', { args: { op_args: [{ $type: 'xcom_arg', task_id: 'x', key: 'return_value' }], when: { $type: 'timedelta', seconds: 5 } } });
    const good = makeDag('ok', [task]);
    const bad = { ...makeDag('bad', [task]), schedule: { type: 'sometimes' }, tags: [1], dag_id: 5 };
    expect(runtime(good)).toBe(true);
    expect(isDagModel(good)).toBe(true);
    expect(schemaProblems(good)).toEqual([]);
    expect(runtime(bad)).toBe(false);
    expect(isDagModel(bad)).toBe(false);
    expect((generated as unknown as typeof runtime).errors).toEqual(runtime.errors);
    const problems = schemaProblems(bad);
    expect(problems.length).toBeGreaterThan(2);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^\/dag_id /), expect.stringMatching(/^\/tags\/0 /)]));
  });
});
