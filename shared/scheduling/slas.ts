/**
 * SLA misses (Airflow 2.10's `DagFileProcessor.manage_slas`), checked by each scheduling pass.
 *
 * A task's `sla` is the time from the end of its scheduled run's data interval (the moment the run
 * was due) to the task's success. Only scheduled runs have SLAs, as Airflow checks only intervals of
 * the timetable. When the deadline passes and the task instance has neither succeeded nor been
 * skipped, one miss per (DAG, task, logical date) is recorded — the run goes on, an SLA is no
 * timeout — and one email per DAG and pass lists the new misses and the run's unfinished task
 * instances ("blocking tasks"), sent to the `email` addresses of the tasks that missed, as Airflow
 * does. skydag checks the DAG's 100 newest scheduled runs (Airflow also counts intervals whose run
 * was not created yet).
 */
import type { DagRunRecord, SlaMissRecord } from '../model/records.js';
import type { Dag } from '../model/schema.js';
import type { MailTransport } from '../runtime/executors/email.js';
import { DagRunType, TaskState } from '../runtime/states.js';
import type { RunStore } from '../stores/metadata.js';

const RECENT_RUNS = 100;

export interface SlaPorts {
  store: RunStore;
  now: Date;
  /** Alert emails; absent: misses are recorded, nothing is sent (as Airflow without SMTP). */
  mail?: (MailTransport & { from: string }) | undefined;
}

const DONE: ReadonlySet<string> = new Set([TaskState.SUCCESS, TaskState.SKIPPED]);

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Records the DAG's new SLA misses and mails them; returns the misses this call recorded. */
export async function checkSlas(ports: SlaPorts, dag: Dag): Promise<SlaMissRecord[]> {
  const tasks = dag.tasks.filter((t) => t.sla_seconds !== null);
  if (tasks.length === 0) return [];
  const { store, now } = ports;
  const runs = (await store.listDagRuns(dag.dag_id, { limit: RECENT_RUNS })).filter((r) => r.run_type === DagRunType.SCHEDULED);
  const created: SlaMissRecord[] = [];
  const blocking = new Map<string, string[]>();
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
      if (!blocking.has(run.run_id)) blocking.set(run.run_id, await blockingTasks(store, run));
    }
  }
  if (created.length > 0) await mailMisses(ports, dag, created, blocking);
  return created;
}

/** The run's task instances that are not finished (Airflow's blocking_tis). */
async function blockingTasks(store: RunStore, run: DagRunRecord): Promise<string[]> {
  const tis = await store.listTaskInstances(run.dag_id, run.run_id);
  return tis.filter((ti) => !DONE.has(ti.state ?? '') && ti.state !== TaskState.FAILED && ti.state !== TaskState.UPSTREAM_FAILED).map((ti) => `${ti.task_id} on ${run.logical_date}`);
}

async function mailMisses(ports: SlaPorts, dag: Dag, misses: readonly SlaMissRecord[], blocking: Map<string, string[]>): Promise<void> {
  const missed = new Set(misses.map((m) => m.task_id));
  const to = [...new Set(dag.tasks.filter((t) => missed.has(t.task_id)).flatMap((t) => t.email))];
  if (!ports.mail || to.length === 0) return;
  const taskList = misses.map((m) => `${m.task_id} on ${m.execution_date}`).join('\n');
  const blockingList = [...new Set([...blocking.values()].flat())].join('\n');
  // Airflow's SLA email (without its ASCII-art beetle).
  const html =
    `Here's a list of tasks that missed their SLAs:\n<pre><code>${escapeHtml(taskList)}\n<code></pre>\n` +
    `Blocking tasks:\n<pre><code>${escapeHtml(blockingList)}\n<code></pre>\n`;
  try {
    await ports.mail.send({ from: ports.mail.from, to, cc: [], bcc: [], subject: `[airflow] SLA miss on DAG=${dag.dag_id}`, html, attachments: [] });
    for (const m of misses) await ports.store.updateSlaMiss(m.dag_id, m.task_id, m.execution_date, { email_sent: true });
  } catch (err) {
    // As Airflow: a mail failure is logged by the caller's report, the miss stays recorded with email_sent false.
    for (const m of misses) await ports.store.updateSlaMiss(m.dag_id, m.task_id, m.execution_date, { description: `sending the SLA email failed: ${(err as Error).message}` });
  }
}
