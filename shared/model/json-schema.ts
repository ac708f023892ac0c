/** The published JSON Schema document of the DAG model (draft 2020-12), derived from the TypeBox types. */
import { DAG_MODEL_SCHEMA_VERSION, DagSchema, DatasetConditionSchema, PyValueSchema } from './schema.js';

export function dagModelJsonSchema(): Record<string, unknown> {
  const { $id: _dagId, ...dag } = DagSchema as unknown as Record<string, unknown>;
  const { $id: _pyId, ...pyValue } = PyValueSchema as unknown as Record<string, unknown>;
  const { $id: _conditionId, ...condition } = DatasetConditionSchema as unknown as Record<string, unknown>;
  const document = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://skydag.dev/schemas/dag-model/v${DAG_MODEL_SCHEMA_VERSION}.json`,
    title: 'skydag DAG model',
    description: 'One DAG as read from a DAG file (Python or YAML), before compilation to Step Functions.',
    ...dag,
    $defs: { PyValue: pyValue, DatasetCondition: condition },
  };
  // Inside skydag the recursive value schema is registered by id; standalone it lives in $defs, and
  // nested ids (Task, TaskGroup) are dropped so every reference resolves against the document root.
  const text = JSON.stringify(document, (key, value: unknown) => (key === '$id' && value !== document.$id ? undefined : value));
  return JSON.parse(
    text.replaceAll('"$ref":"PyValue"', '"$ref":"#/$defs/PyValue"').replaceAll('"$ref":"DatasetCondition"', '"$ref":"#/$defs/DatasetCondition"'),
  ) as Record<string, unknown>;
}
