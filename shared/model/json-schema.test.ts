import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { dagModelJsonSchema } from './json-schema.js';
import { makeDag, makeTask } from '../../test/helpers/model.js';

describe('published DAG model JSON schema', () => {
  it('is up to date in docs/ (run `npm run schema` after changing shared/model/schema.ts)', () => {
    const published = JSON.parse(readFileSync(join(__dirname, '../../docs/dag-model.schema.json'), 'utf8'));
    expect(published).toEqual(dagModelJsonSchema());
  });

  it('is a standalone draft 2020-12 schema that accepts a model and rejects a broken one', () => {
    const validate = new Ajv2020({ strict: false }).compile(dagModelJsonSchema());
    const task = makeTask('a', { args: { op_args: [{ $type: 'xcom_arg', task_id: 'x', key: 'return_value' }], when: { $type: 'timedelta', seconds: 5 } } });
    expect(validate(makeDag('ok', [task]))).toBe(true);
    expect(validate({ ...makeDag('bad', [task]), schedule: { type: 'sometimes' } })).toBe(false);
  });
});
