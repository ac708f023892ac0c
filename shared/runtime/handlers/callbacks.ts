/** Task and DAG callbacks (on_success/on_failure/on_retry): run by the Python runner, never fatal. */
import type { TaskInstanceRecord } from '../../model/records.js';
import type { Callbacks } from '../../model/schema.js';
import type { RuntimeDeps } from './deps.js';
import type { TaskLogger } from '../executors/types.js';
import { executionBase } from './execution-request.js';
import { ownTemplateServices } from './own-templates.js';
import type { RunContext } from './run-context.js';
import type { SecretsMasker } from '../../secrets/masker.js';
import { createTryMasker, maskedTaskLog } from './try-secrets.js';

/**
 * What a callback's Python is given: the try's request, and templates rendered with its context (a
 * notifier renders its `template_fields` before it sends: Airflow's BaseNotifier).
 */
async function callbackRequest(deps: RuntimeDeps, ctx: RunContext, ti: TaskInstanceRecord, masker: SecretsMasker, log: TaskLogger) {
  const base = await executionBase(deps, ctx, ti, false, masker);
  return { ...base, log, services: { ...base.services, renderTemplates: ownTemplateServices(deps, base, log, masker).renderTemplates } };
}

/** `exception`: for on_failure/on_retry callbacks, the failure (Airflow's `context['exception']`). */
export async function runTaskCallback(deps: RuntimeDeps, ctx: RunContext, ti: TaskInstanceRecord, name: keyof Callbacks, exception?: string): Promise<void> {
  const task = ctx.task(ti.task_id);
  if (!task.callbacks[name]) return;
  const masker = createTryMasker(ctx.run);
  const log = maskedTaskLog(deps.logs.open(ti.dag_id, ti.run_id, ti.task_id, Math.max(1, ti.try_number), ti.map_index), masker);
  try {
    if (!deps.python) {
      log.info(`${name} not run: no Python runner is configured`);
      return;
    }
    log.info(`Running ${name} ${task.callbacks[name]!.name}`);
    await deps.python.callback(await callbackRequest(deps, ctx, ti, masker, log), name, exception ?? null);
  } catch (err) {
    log.info(`${name} failed: ${(err as Error).message}`);
  } finally {
    await log.close();
  }
}

export async function runDagCallback(deps: RuntimeDeps, ctx: RunContext, name: 'on_success_callback' | 'on_failure_callback', ti: TaskInstanceRecord | undefined): Promise<void> {
  if (!ctx.dag.callbacks[name] || !deps.python || !ti) return;
  const masker = createTryMasker(ctx.run);
  const log = maskedTaskLog(deps.logs.open(ti.dag_id, ti.run_id, ti.task_id, Math.max(1, ti.try_number)), masker);
  try {
    log.info(`Running DAG ${name} ${ctx.dag.callbacks[name]!.name}`);
    await deps.python.callback(await callbackRequest(deps, ctx, ti, masker, log), `dag.${name}`);
  } catch (err) {
    log.info(`DAG ${name} failed: ${(err as Error).message}`);
  } finally {
    await log.close();
  }
}
