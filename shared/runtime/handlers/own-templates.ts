/**
 * The services through which a task's own code has its templated fields rendered: a custom
 * operator's `template_fields` are attributes that only exist once the Python runner has built the
 * operator from the DAG file, so the runner collects their template strings and sends them here.
 * They are rendered by the same renderer, with the same context, template files and errors as the
 * declared fields of skydag's operators, and the operator's rendered fields become the try's
 * `rendered_fields`.
 */
import type { PyValue } from '../../model/schema.js';
import type { ExecutionRequest, TaskLogger, TaskServices } from '../executors/types.js';
import type { RuntimeDeps } from './deps.js';
import { taskInstanceAccess } from './run-context.js';
import type { SecretsMasker } from '../../secrets/masker.js';

type Base = Omit<ExecutionRequest, 'args' | 'log' | 'signal'>;

/** Distinct arg names for the templates' places (a dict may render two keys to the same text). */
function uniqueNames(fields: readonly string[]): string[] {
  const used = new Set<string>();
  return fields.map((field) => {
    let name = field;
    for (let n = 2; used.has(name); n++) name = `${field}#${n}`;
    used.add(name);
    return name;
  });
}

export function ownTemplateServices(
  deps: Pick<RuntimeDeps, 'render' | 'store'>,
  base: Base,
  log: TaskLogger,
  masker: Pick<SecretsMasker, 'redact'>,
): Required<Pick<TaskServices, 'renderTemplates' | 'recordRenderedFields'>> {
  const { ti } = base;
  return {
    async renderTemplates(templates, templateExt) {
      if (templates.length === 0) return [];
      const names = uniqueNames(templates.map((t) => t.field));
      const args: Record<string, PyValue> = Object.fromEntries(names.map((name, i) => [name, templates[i]!.template]));
      const rendered = await deps.render({ ...base, log, fields: { args, templated_fields: names, template_ext: [...templateExt] } });
      return names.map((name) => rendered[name] ?? null);
    },
    async recordRenderedFields(fields) {
      // Fenced like every write of a try: a late record of an earlier try changes nothing.
      const access = taskInstanceAccess(deps, { dag_id: ti.dag_id, run_id: ti.run_id }, ti.task_id, ti.map_index);
      await access.update({ rendered_fields: masker.redact(fields) as Record<string, unknown> }, { tryNumber: ti.try_number });
    },
  };
}
