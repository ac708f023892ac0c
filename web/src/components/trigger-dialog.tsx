/**
 * Trigger a DAG run: conf as JSON, pre-filled with the DAG's params and checked as you type (syntax
 * errors with line:col, type mismatches with the params), an optional run id, logical date and note.
 * A paused DAG can be triggered; its run waits queued until the DAG is unpaused — the dialog says so.
 */
import { useMemo, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../api/client';
import { getDagDetails, triggerDagRun } from '../api/endpoints';
import type { DagRun } from '../api/types';
import { checkConf, defaultConf } from '../lib/conf-check';
import { Dialog } from './dialog';
import { Loading } from './status';

export function TriggerDialog({ dagId, onClose, onTriggered }: { dagId: string; onClose: () => void; onTriggered: (run: DagRun) => void }) {
  const details = useQuery({ queryKey: ['dag-details', dagId], queryFn: () => getDagDetails(dagId) });
  const params = useMemo(() => details.data?.params ?? {}, [details.data]);
  const [confText, setConfText] = useState<string | null>(null);
  const [runId, setRunId] = useState('');
  const [logicalDate, setLogicalDate] = useState('');
  const [note, setNote] = useState('');
  const text = confText ?? (details.data ? defaultConf(params) : '');
  const check = useMemo(() => checkConf(text, params), [text, params]);
  const queryClient = useQueryClient();
  const trigger = useMutation({
    mutationFn: () =>
      triggerDagRun(dagId, {
        conf: check.conf ?? {},
        ...(runId.trim() ? { dag_run_id: runId.trim() } : {}),
        ...(logicalDate ? { logical_date: new Date(logicalDate).toISOString() } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
      }),
    onSuccess: (run) => {
      void queryClient.invalidateQueries({ queryKey: ['dags'] });
      void queryClient.invalidateQueries({ queryKey: ['dag', dagId] });
      onTriggered(run);
    },
  });
  const errors = check.problems.filter((p) => p.severity === 'error');

  return (
    <Dialog
      title={`Trigger ${dagId}`}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" disabled={!details.data || errors.length > 0 || trigger.isPending} onClick={() => trigger.mutate()}>
            {trigger.isPending ? 'Triggering…' : 'Trigger'}
          </button>
        </>
      }
    >
      {details.isPending ? <Loading what="the DAG's params" /> : null}
      {details.data?.is_paused ? (
        <div className="callout warning">This DAG is paused: the run will wait (queued) until you unpause it.</div>
      ) : null}
      <label className="field">
        <span>
          Configuration (JSON) <span className="hint">— the run's <code>dag_run.conf</code>; params of this DAG are pre-filled</span>
        </span>
        <textarea aria-label="Run configuration JSON" className="conf-editor" rows={10} spellCheck={false} value={text} onChange={(e) => setConfText(e.target.value)} />
      </label>
      {check.problems.length ? (
        <ul className="problems" aria-label="Configuration problems">
          {check.problems.map((p, i) => (
            <li key={i} className={`problem ${p.severity}`}>
              {p.line ? <span className="mono">{`${p.line}:${p.col ?? 1} `}</span> : null}
              {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="form-grid">
        <label className="field">
          <span>
            Run id <span className="hint">(optional: manual__&lt;time&gt;)</span>
          </span>
          <input value={runId} onChange={(e) => setRunId(e.target.value)} placeholder="manual__…" />
        </label>
        <label className="field">
          <span>
            Logical date <span className="hint">(optional: now)</span>
          </span>
          <input type="datetime-local" step="1" value={logicalDate} onChange={(e) => setLogicalDate(e.target.value)} />
        </label>
      </div>
      <label className="field">
        <span>
          Note <span className="hint">(optional)</span>
        </span>
        <input value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      {trigger.isError ? <div className="callout error pre-line" role="alert">{errorMessage(trigger.error)}</div> : null}
    </Dialog>
  );
}
