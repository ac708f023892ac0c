/** Writes docs/dag-model.schema.json from the TypeBox definitions (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import { dagModelJsonSchema } from '../shared/model/json-schema.js';

writeFileSync(new URL('../docs/dag-model.schema.json', import.meta.url), `${JSON.stringify(dagModelJsonSchema(), null, 2)}\n`);
console.log('wrote docs/dag-model.schema.json');
