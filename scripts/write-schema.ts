/**
 * Writes docs/dag-model.schema.json from the TypeBox definitions and the standalone DAG validator
 * compiled from them (shared/validation/dag-validator.generated.ts): `npm run schema`.
 */
import { writeFileSync } from 'node:fs';
import { dagModelJsonSchema } from '../shared/model/json-schema.js';
import { DAG_VALIDATOR_FILE, dagValidatorSource } from '../shared/validation/dag-validator-source.js';

writeFileSync(new URL('../docs/dag-model.schema.json', import.meta.url), `${JSON.stringify(dagModelJsonSchema(), null, 2)}\n`);
console.log('wrote docs/dag-model.schema.json');
writeFileSync(new URL(`../${DAG_VALIDATOR_FILE}`, import.meta.url), dagValidatorSource());
console.log(`wrote ${DAG_VALIDATOR_FILE}`);
