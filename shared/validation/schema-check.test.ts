import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { makeDag, makeTask } from '../../test/helpers/model.js';
import { DagSchema, DatasetConditionSchema, PyValueSchema } from '../model/schema.js';
import { DAG_VALIDATOR_FILE, DAG_VALIDATOR_OPTIONS, dagValidatorAjv, dagValidatorSchema, dagValidatorSource } from './dag-validator-source.js';
import { validate as generated } from './dag-validator.generated.js';
import { isDagModel, schemaProblems } from './schema-check.js';

describe('the DAG model schema check', () => {
  it('uses a generated validator that is up to date (run `npm run schema` after changing shared/model/schema.ts)', () => {
    expect(readFileSync(join(__dirname, '../..', DAG_VALIDATOR_FILE), 'utf8')).toBe(dagValidatorSource());
  });

  it('accepts and rejects what ajv compiling the schema at run time does, with the same errors', () => {
    const runtime = dagValidatorAjv().compile(dagValidatorSchema());
    // The DAG schema as written, its tasks' schema inline: the same verdicts and errors but for their schemaPath.
    const inline = new Ajv({ ...DAG_VALIDATOR_OPTIONS }).addSchema(PyValueSchema).addSchema(DatasetConditionSchema).compile(DagSchema);
    const task = makeTask('a', { args: { op_args: [{ $type: 'xcom_arg', task_id: 'x', key: 'return_value' }], when: { $type: 'timedelta', seconds: 5 } } });
    const good = makeDag('ok', [task]);
    const badTask = { ...task, retries: 'x', queue: 5, extra: true, args: { when: { $type: 'nope' } } };
    const bad = { ...makeDag('bad', [task, badTask as unknown as typeof task]), schedule: { type: 'sometimes' }, tags: [1], dag_id: 5 };
    expect(runtime(good)).toBe(true);
    expect(inline(good)).toBe(true);
    expect(isDagModel(good)).toBe(true);
    expect(schemaProblems(good)).toEqual([]);
    expect(runtime(bad)).toBe(false);
    expect(inline(bad)).toBe(false);
    expect(isDagModel(bad)).toBe(false);
    expect((generated as unknown as typeof runtime).errors).toEqual(runtime.errors);
    const withoutSchemaPath = (errors: typeof runtime.errors) => errors?.map(({ schemaPath: _, ...rest }) => rest);
    expect(withoutSchemaPath((generated as unknown as typeof runtime).errors)).toEqual(withoutSchemaPath(inline.errors));
    expect(schemaProblems(bad)).toEqual(expect.arrayContaining([expect.stringMatching(/^\/tasks\/1\/retries /), expect.stringMatching(/^\/tasks\/1 must NOT have additional/)]));
    const problems = schemaProblems(bad);
    expect(problems.length).toBeGreaterThan(2);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^\/dag_id /), expect.stringMatching(/^\/tags\/0 /)]));
  });
});
