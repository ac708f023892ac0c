/**
 * SLA misses (Airflow 2.10's `DagFileProcessor.manage_slas`), checked by each scheduling pass.
 *
 * A task's `sla` is the time from the end of its scheduled run's data interval (the moment the run
 * was due) to the task's success. Only scheduled runs have SLAs, as Airflow checks only intervals of
 * the timetable. When the deadline passes and the task instance has neither succeeded nor been
 * skipped, one miss per (DAG, task, logical date) is recorded — the run goes on, an SLA is no
 * timeout. skydag checks the DAG's 100 newest scheduled runs (Airflow also counts intervals whose run
 * was not created yet).
 *
 * A pass that recorded new misses of a DAG then notifies, as manage_slas does, about every miss of the
 * DAG not notified yet (`slas`) with the task instances of their runs that have a state other than
 * success (`blocking_tis`): first the DAG's `sla_miss_callback(dag, task_list, blocking_task_list,
 * slas, blocking_tis)` (run by the Python runner through the `slaMissCallback` port; a failure is
 * reported, never fatal), then one email to the `email` addresses of the tasks that missed. Once either
 * got through, the misses are marked `notification_sent` (and `email_sent` when the email did). Misses
 * whose notification failed go again with the DAG's next new miss (Airflow retries them every loop).
 */
import type { SlaMissRecord, TaskInstanceRecord } from '../model/records.js';
import type { Dag } from '../model/schema.js';
import type { MailTransport } from '../runtime/executors/email.js';
import { pythonIsoFormat } from '../runtime/intervals.js';
import { DagRunType, TaskState } from '../runtime/states.js';
import type { RunStore } from '../stores/metadata.js';

const RECENT_RUNS = 100;
/** The DAG's newest misses looked at for ones not notified yet. */
const RECENT_MISSES = 1000;

/** What the DAG's sla_miss_callback is called with (Airflow's arguments, the DAG as its model). */
export interface SlaMissCallbackCall {
  dag: Dag;
  /** The DAG version whose file defines the callback (the DagRecord's current version). */
  dagVersion: string | null;
  /** `"<task_id> on <execution_date isoformat>"` per miss, newline-joined. */
  taskList: string;
  /** The same per blocking task instance. */
  blockingTaskList: string;
  slas: readonly SlaMissRecord[];
  blockingTis: readonly TaskInstanceRecord[];
}

/** Calls the DAG's sla_miss_callback; rejects when it raised (or could not be called). */
export type SlaMissCallback = (call: SlaMissCallbackCall) => Promise<void>;

export interface SlaPorts {
  store: RunStore;
  now: Date;
  /** Alert emails; absent: misses are recorded, nothing is sent (as Airflow without SMTP). */
  mail?: (MailTransport & { from: string }) | undefined;
  /** Runs DAGs' sla_miss_callback; absent: the callback is not called (the misses stay unnotified unless mailed). */
  slaMissCallback?: SlaMissCallback | undefined;
}

export interface SlaProblem {
  dag_id: string;
  message: string;
}

const DONE: ReadonlySet<string> = new Set([TaskState.SUCCESS, TaskState.SKIPPED]);

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Records the DAG's new SLA misses and, when there are any, notifies them (callback, email). Returns
 * the misses this call recorded; notification failures go to `problems`.
 */
export async function checkSlas(ports: SlaPorts, dag: Dag, dagVersion: string | null = null, problems: SlaProblem[] = []): Promise<SlaMissRecord[]> {
  const tasks = dag.tasks.filter((t) => t.sla_seconds !== null);
  if (tasks.length === 0) return [];
  const { store, now } = ports;
  const runs = (await store.listDagRuns(dag.dag_id, { limit: RECENT_RUNS })).filter((r) => r.run_type === DagRunType.SCHEDULED);
  const created: SlaMissRecord[] = [];
  for (const run of runs) {
    for (const task of tasks) {
      const deadline = Date.parse(run.data_interval_end) + task.sla_seconds! * 1000;
      if (deadline > now.getTime()) continue;
      const ti = await store.getTaskInstance(dag.dag_id, run.run_id, task.task_id);
      if (!ti || DONE.has(ti.state ?? '')) continue;
      const miss: SlaMissRecord = {
        dag_id: dag.dag_id,
        task_id: task.task_id,
        execution_date: run.logical_date,
        run_id: run.run_id,
        timestamp: now.toISOString(),
        deadline: new Date(deadline).toISOString(),
        email_sent: false,
        notification_sent: false,
        description: null,
      };
      if (!(await store.createSlaMiss(miss))) continue;
      created.push(miss);
    }
  }
  if (created.length > 0) await notifyMisses(ports, dag, dagVersion, created, problems);
  return created;
}

/** The DAG's misses not notified yet (Airflow's `notification_sent == False`), oldest first; `created` among them. */
async function unnotifiedMisses(store: RunStore, dagId: string, created: readonly SlaMissRecord[]): Promise<SlaMissRecord[]> {
  const key = (m: SlaMissRecord) => `${m.task_id}\u0000${m.execution_date}`;
  const misses = new Map<string, SlaMissRecord>();
  for (let offset = 0; offset < RECENT_MISSES; offset += 100) {
    const page = await store.listSlaMisses({ dagId, limit: 100, offset });
    for (const miss of page.items) if (!miss.notification_sent) misses.set(key(miss), miss);
    if (page.items.length < 100) break;
  }
  for (const miss of created) misses.set(key(miss), miss);
  return [...misses.values()].sort((a, b) => a.execution_date.localeCompare(b.execution_date) || a.task_id.localeCompare(b.task_id));
}

/**
 * Airflow's blocking_tis: the task instances (of tasks the DAG still has) of the misses' runs whose
 * state is not success. As Airflow's SQL `state != 'success'`, instances with no state are left out.
 */
async function blockingTaskInstances(store: RunStore, dag: Dag, misses: readonly SlaMissRecord[]): Promise<TaskInstanceRecord[]> {
  const taskIds = new Set(dag.tasks.map((t) => t.task_id));
  const runIds = [...new Set(misses.map((m) => m.run_id))];
  const blocking: TaskInstanceRecord[] = [];
  for (const runId of runIds) {
    const tis = await store.listTaskInstances(dag.dag_id, runId);
    blocking.push(...tis.filter((ti) => ti.state !== null && ti.state !== TaskState.SUCCESS && taskIds.has(ti.task_id)));
  }
  return blocking;
}

async function notifyMisses(ports: SlaPorts, dag: Dag, dagVersion: string | null, created: readonly SlaMissRecord[], problems: SlaProblem[]): Promise<void> {
  const { store } = ports;
  const callback = Boolean(dag.callbacks.sla_miss_callback && ports.slaMissCallback);
  const mailable = Boolean(ports.mail) && dag.tasks.some((t) => t.sla_seconds !== null && t.email.length > 0);
  if (!callback && !mailable) return; // nothing could notify them: they stay unnotified, unread
  const slas = await unnotifiedMisses(store, dag.dag_id, created);
  const blockingTis = await blockingTaskInstances(store, dag, slas);
  const executionDates = new Map<string, string>();
  for (const miss of slas) executionDates.set(miss.run_id, miss.execution_date);
  // Airflow's lines: `task_id + " on " + execution_date.isoformat()`.
  const taskList = slas.map((m) => `${m.task_id} on ${pythonIsoFormat(m.execution_date)}`).join('\n');
  const blockingTaskList = blockingTis.map((ti) => `${ti.task_id} on ${pythonIsoFormat(executionDates.get(ti.run_id)!)}`).join('\n');

  let notificationSent = false;
  if (callback) {
    try {
      await ports.slaMissCallback!({ dag, dagVersion, taskList, blockingTaskList, slas, blockingTis });
      notificationSent = true;
    } catch (err) {
      problems.push({ dag_id: dag.dag_id, message: `sla_miss_callback failed: ${messageOf(err)}` });
    }
  }
  const emailSent = await mailMisses(ports, dag, slas, taskList, blockingTaskList, problems);
  if (emailSent) notificationSent = true;
  if (!notificationSent) return;
  for (const m of slas) await store.updateSlaMiss(m.dag_id, m.task_id, m.execution_date, { email_sent: emailSent, notification_sent: true });
}

/** Sends Airflow's SLA email to the `email` addresses of the tasks that missed; true when it was sent. */
async function mailMisses(ports: SlaPorts, dag: Dag, slas: readonly SlaMissRecord[], taskList: string, blockingTaskList: string, problems: SlaProblem[]): Promise<boolean> {
  const missed = new Set(slas.map((m) => m.task_id));
  const to = [...new Set(dag.tasks.filter((t) => missed.has(t.task_id)).flatMap((t) => t.email))];
  if (!ports.mail || to.length === 0) return false;
  // Airflow's SLA email (without its webserver URL line).
  const html =
    `Here's a list of tasks that missed their SLAs:\n<pre><code>${escapeHtml(taskList)}\n<code></pre>\n` +
    `Blocking tasks:\n<pre><code>${escapeHtml(blockingTaskList)}<code></pre>\n`;
  try {
    await ports.mail.send({ from: ports.mail.from, to, cc: [], bcc: [], subject: `[airflow] SLA miss on DAG=${dag.dag_id}`, html, attachments: [] });
    return true;
  } catch (err) {
    // As Airflow: the failure is reported, the misses stay recorded with email_sent false.
    problems.push({ dag_id: dag.dag_id, message: `sending the SLA miss email failed: ${messageOf(err)}` });
    for (const m of slas) await ports.store.updateSlaMiss(m.dag_id, m.task_id, m.execution_date, { description: `sending the SLA email failed: ${messageOf(err)}` });
    return false;
  }
}

