/**
 * One try's log: ANSI colours rendered as styled text (never HTML), followed live while the try runs,
 * with wrap and download. Secrets are masked by the API before the log reaches the browser.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { errorMessage } from '../api/client';
import { getLog } from '../api/endpoints';
import { ansiClasses, parseAnsi, stripAnsi } from '../lib/ansi';
import { download } from '../lib/download';
import { LogFollower, type FollowStatus } from '../lib/log-follow';

const STATUS_TEXT: Record<FollowStatus, string> = {
  following: 'Following: new lines appear as the task writes them',
  waiting: 'Waiting for the task to start writing its log…',
  done: 'Complete',
  stopped: 'Stopped',
};

export function LogView({ dagId, runId, taskId, tryNumber, finished }: { dagId: string; runId: string; taskId: string; tryNumber: number; finished: boolean }) {
  const [text, setText] = useState('');
  const [status, setStatus] = useState<FollowStatus>('waiting');
  const [error, setError] = useState<string | null>(null);
  const [wrap, setWrap] = useState(true);
  const finishedRef = useRef(finished);
  const box = useRef<HTMLPreElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    finishedRef.current = finished;
  }, [finished]);

  useEffect(() => {
    const follower = new LogFollower({
      fetch: (token) => getLog(dagId, runId, taskId, tryNumber, token),
      isFinished: () => finishedRef.current,
      onText: (t) => setText((prev) => prev + t),
      onStatus: setStatus,
      onError: (e) => setError(errorMessage(e)),
    });
    follower.start();
    return () => follower.stop();
  }, [dagId, runId, taskId, tryNumber]);

  // Keep the newest lines in view while following, unless the reader scrolled up.
  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [text]);

  const segments = useMemo(() => parseAnsi(text).segments, [text]);
  const downloadLog = () => download(new Blob([stripAnsi(text)], { type: 'text/plain' }), `${dagId}__${runId}__${taskId}__try${tryNumber}.log`.replace(/[^A-Za-z0-9_.-]+/g, '_'));

  return (
    <div className="log-view">
      <div className="row small">
        <span className={`log-status ${status}`} data-testid="log-status">
          {status === 'following' ? <span className="spinner" aria-hidden="true" /> : null} {STATUS_TEXT[status]}
        </span>
        <span className="grow" />
        <label className="check">
          <input type="checkbox" checked={wrap} onChange={(e) => setWrap(e.target.checked)} /> Wrap lines
        </label>
        <button type="button" className="button small" onClick={downloadLog} disabled={!text}>
          Download
        </button>
      </div>
      {error ? <div className="callout error">{error}</div> : null}
      <pre
        ref={box}
        className={`log${wrap ? ' wrap' : ''}`}
        data-testid="log"
        aria-label={`Log of ${taskId}, try ${tryNumber}`}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {segments.length === 0 && status !== 'waiting' ? <span className="muted">(empty log)</span> : null}
        {segments.map((s, i) => (
          <span key={i} className={ansiClasses(s.style) || undefined}>
            {s.text}
          </span>
        ))}
      </pre>
    </div>
  );
}
