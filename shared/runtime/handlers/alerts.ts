/**
 * Failure and retry alert emails (Airflow's email_on_failure / email_on_retry, both on by default):
 * sent to the task's `email` addresses through the configured mail transport, with Airflow's subject
 * and a short body. Like Airflow, nothing is sent without addresses or without a transport, and a
 * mail error is logged, never fatal.
 */
import type { TaskInstanceRecord } from '../../model/records.js';
import type { Task } from '../../model/schema.js';
import type { TaskLogger } from '../executors/types.js';
import type { RuntimeDeps } from './deps.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function sendTaskAlert(deps: RuntimeDeps, task: Task, ti: TaskInstanceRecord, kind: 'failure' | 'retry', error: string, log: TaskLogger): Promise<void> {
  const wanted = kind === 'failure' ? task.email_on_failure : task.email_on_retry;
  if (!wanted || task.email.length === 0 || !deps.mail) return;
  const title = kind === 'failure' ? 'Failed' : 'Up for retry';
  const subject = `Airflow alert: <TaskInstance: ${ti.dag_id}.${ti.task_id} ${ti.run_id} [${kind === 'failure' ? 'failed' : 'up_for_retry'}]>`;
  const html =
    `Try ${ti.try_number} out of ${ti.max_tries + 1}<br>` +
    `Exception:<br>${escapeHtml(error)}<br>` +
    `Log: dag_id=${escapeHtml(ti.dag_id)} run_id=${escapeHtml(ti.run_id)} task_id=${escapeHtml(ti.task_id)} attempt=${ti.try_number}<br>` +
    `Host: ${escapeHtml(deps.hostname)}<br>Mark success: use the API or the console.<br>`;
  try {
    await deps.mail.send({ from: deps.mail.from, to: [...task.email], cc: [], bcc: [], subject, html, attachments: [] });
    log.info(`Sent an alert email to ${JSON.stringify(task.email).replaceAll('"', "'")} (${title})`);
  } catch (err) {
    log.info(`Failed to send the ${kind} alert email: ${(err as Error).message}`);
  }
}
