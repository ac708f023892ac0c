/**
 * `map_index_template` (Airflow 2.9+): rendered with the try's template context once the task's code
 * has run, and kept as the task instance's `rendered_map_index` (the API's task instances show it).
 * As Airflow's `_execute_task_with_callbacks` does, a rendering error after a failed try is swallowed
 * so it does not hide the task's own error; after a successful try it fails the try.
 */
import type { TaskLogger } from '../executors/types.js';
import type { RenderTemplatedFields } from './deps.js';

const FIELD = 'map_index_template';

export async function renderMapIndex(
  render: RenderTemplatedFields,
  base: Omit<Parameters<RenderTemplatedFields>[0], 'log' | 'fields'>,
  log: TaskLogger,
  afterFailure: boolean,
  extraContext?: Record<string, unknown>,
): Promise<string | undefined> {
  const template = base.task.map_index_template;
  if (template === undefined) return undefined;
  try {
    const rendered = await render({ ...base, log, ...(extraContext ? { extraContext } : {}), fields: { args: { [FIELD]: template }, templated_fields: [FIELD], template_ext: [] } });
    const value = rendered[FIELD];
    const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
    log.info(`Map index rendered as ${text}`);
    return text;
  } catch (err) {
    if (afterFailure) return undefined;
    throw new Error(`rendering map_index_template failed: ${(err as Error).message}`, { cause: err });
  }
}
