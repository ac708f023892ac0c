/**
 * Couture's DAG editor, made safe: CodeMirror (Python or YAML) with every problem shown inline at its
 * line:col as you type (the API's validate endpoint: the same front-end and checks as the upload), a
 * live graph of the DAG, code bricks to insert at the cursor, and a review of the diff before saving.
 * Saving uploads the file; its DAGs get a new version, shown next in the DAG's code view.
 */
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError, errorMessage } from '../../api/client';
import { getDagDetails, getDagVersion, saveDagFile, validateDagFile } from '../../api/endpoints';
import type { Diagnostic } from '../../api/types';
import { CodeEditor, CodeViewer, goToLine, languageOf, type EditorDiagnostic, type EditorView } from '../../components/code-mirror';
import { Dialog } from '../../components/dialog';
import { ErrorBox, Loading } from '../../components/status';
import { CODE_BRICKS, dagIdFromFilename, placeBrick, pythonStarter, renderBrick, yamlStarter, type CodeBrick } from '../../lib/code-bricks';
import { dagUrl } from '../../lib/links';

const GraphView = lazy(async () => ({ default: (await import('../dag/graph-view')).GraphView }));
const NO_STATES = new Map();

/** The value after it stopped changing for `ms` (validation runs when typing pauses). */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

const toEditor = (d: Diagnostic): EditorDiagnostic => ({
  line: d.line,
  col: d.col,
  ...(d.end_line !== undefined ? { endLine: d.end_line, endCol: d.end_col ?? 1 } : {}),
  message: `${d.message}${d.hint ? ` — ${d.hint}` : ''} [${d.code}]`,
  severity: d.severity,
});

/** Where the editor starts: the current version's source of a DAG, or a starter for a new file. */
function useInitialSource(dagId: string | undefined, newFile: string | null) {
  const details = useQuery({ queryKey: ['dag-details', dagId], queryFn: () => getDagDetails(dagId!), enabled: Boolean(dagId), staleTime: Infinity });
  const version = useQuery({
    queryKey: ['dag-version', dagId, details.data?.current_version],
    queryFn: () => getDagVersion(dagId!, details.data!.current_version),
    enabled: Boolean(details.data),
    staleTime: Infinity,
  });
  if (!dagId) {
    const filename = newFile ?? 'new_dag.py';
    const id = dagIdFromFilename(filename);
    return { filename, original: '', initial: languageOf(filename) === 'yaml' ? yamlStarter(id) : pythonStarter(id), error: null, loading: false };
  }
  const error = details.error ?? version.error ?? (version.data && version.data.source === null ? new Error('This DAG version was recorded without its source: upload the file to edit it here.') : null);
  return { filename: details.data?.fileloc ?? '', original: version.data?.source ?? '', initial: version.data?.source ?? null, error, loading: details.isPending || version.isPending };
}

function BrickDialog({ brick, onInsert, onClose }: { brick: CodeBrick; onInsert: (code: string) => void; onClose: () => void }) {
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(brick.params.map((p) => [p.name, p.default])));
  return (
    <Dialog
      title={`Insert: ${brick.title}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" onClick={() => onInsert(renderBrick(brick, values))}>
            Insert at cursor
          </button>
        </>
      }
    >
      <p className="muted small">{brick.description}</p>
      {brick.params.map((p) => (
        <label key={p.name} className="field">
          <span>{p.label}</span>
          <input value={values[p.name] ?? ''} onChange={(e) => setValues({ ...values, [p.name]: e.target.value })} />
        </label>
      ))}
      <pre className="value small">{renderBrick(brick, values)}</pre>
    </Dialog>
  );
}

type Side = 'problems' | 'graph' | 'bricks';

export function EditorPage() {
  const { dagId } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const source = useInitialSource(dagId, params.get('file'));
  const [text, setText] = useState<string | null>(null);
  const [side, setSide] = useState<Side>('problems');
  const [reviewing, setReviewing] = useState(false);
  const [brick, setBrick] = useState<CodeBrick | null>(null);
  const editor = useRef<EditorView | null>(null);
  const current = text ?? source.initial ?? '';
  const settled = useDebounced(current, 450);
  const filename = source.filename;
  const ready = source.initial !== null && !source.loading && filename !== '';

  const validation = useQuery({
    queryKey: ['validate', filename, settled],
    queryFn: ({ signal }) => validateDagFile(filename, settled, signal),
    enabled: ready,
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    retry: false,
  });
  const checking = validation.isFetching || settled !== current;
  const diagnostics = useMemo(() => validation.data?.diagnostics ?? [], [validation.data]);
  const editorDiagnostics = useMemo(() => diagnostics.map(toEditor), [diagnostics]);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const dags = validation.data?.dags ?? [];
  const dirty = current !== source.original;

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const save = useMutation({
    mutationFn: () => saveDagFile(filename, current),
    onSuccess: (result) => {
      void queryClient.invalidateQueries();
      const first = result.dags[0]?.dag_id;
      navigate(first ? dagUrl(first, 'code') : '/dags');
    },
  });

  if (source.loading) return <Loading what="the DAG's source" />;
  if (source.error)
    return (
      <div className="page">
        <ErrorBox error={source.error} title="Cannot edit this DAG here" />
        <Link to="/author">Back to authoring</Link>
      </div>
    );

  const insertBrick = (b: CodeBrick, code: string) => {
    const view = editor.current;
    const offset = view ? view.state.selection.main.head : current.length;
    const placed = placeBrick(current, offset, code, b.imports);
    setText(placed.source);
    setBrick(null);
    requestAnimationFrame(() => {
      const v = editor.current;
      if (v) {
        v.dispatch({ selection: { anchor: Math.min(placed.cursor, v.state.doc.length) }, scrollIntoView: true });
        v.focus();
      }
    });
  };
  const sections = [...new Set(CODE_BRICKS.map((b) => b.section))];
  const status = checking ? (
    <span className="pill">checking…</span>
  ) : validation.isError ? (
    <span className="pill error">could not check: {errorMessage(validation.error)}</span>
  ) : errors.length ? (
    <span className="pill error" data-testid="validation-status">
      {errors.length} error{errors.length === 1 ? '' : 's'}
    </span>
  ) : (
    <span className="pill ok" data-testid="validation-status">
      ✓ valid: {dags.map((d) => `${d.dag_id} (${d.tasks.length} tasks)`).join(', ')}
    </span>
  );

  return (
    <div className="editor-page">
      <div className="editor-head">
        <Link to="/author" className="muted small">
          ← Authoring
        </Link>
        <h1 className="mono">{filename}</h1>
        {dagId ? <span className="muted small">defines {dagId}</span> : <span className="pill">new file</span>}
        {status}
        <span className="grow" />
        {dirty ? <span className="muted small">unsaved changes</span> : null}
        <button type="button" className="button primary" disabled={!dirty || checking || errors.length > 0 || dags.length === 0} onClick={() => setReviewing(true)} title={errors.length ? 'Fix the errors first' : undefined}>
          Review &amp; save
        </button>
      </div>
      <div className="editor-body">
        <CodeEditor value={current} language={languageOf(filename)} onChange={setText} diagnostics={editorDiagnostics} label={`Source of ${filename}`} editorRef={editor} />
        <aside className="editor-side">
          <nav className="tabs small-tabs" aria-label="Editor tools">
            {(
              [
                ['problems', `Problems${diagnostics.length ? ` (${diagnostics.length})` : ''}`],
                ['graph', 'Graph preview'],
                ['bricks', 'Code bricks'],
              ] as [Side, string][]
            ).map(([id, label]) => (
              <button key={id} type="button" className={side === id ? 'active' : ''} aria-pressed={side === id} onClick={() => setSide(id)}>
                {label}
              </button>
            ))}
          </nav>
          <div className="editor-side-body">
            {side === 'problems' ? (
              diagnostics.length === 0 ? (
                <p className="muted">{checking ? 'Checking…' : 'No problems.'}</p>
              ) : (
                <ul className="problems" data-testid="problems">
                  {diagnostics.map((d, i) => (
                    <li key={i} className={`problem ${d.severity}`}>
                      <button type="button" className="link-button mono" onClick={() => editor.current && goToLine(editor.current, d.line, d.col)}>
                        {d.line}:{d.col}
                      </button>{' '}
                      {d.message}
                      {d.hint ? <div className="muted small">{d.hint}</div> : null}
                    </li>
                  ))}
                </ul>
              )
            ) : side === 'graph' ? (
              dags.length ? (
                <Suspense fallback={<Loading what="the graph" />}>
                  {dags.map((d) => (
                    <div key={d.dag_id} className="preview-graph">
                      <div className="small strong">{d.dag_id}</div>
                      <GraphView dagId={d.dag_id} tasks={d.tasks} edgeLabels={d.edge_labels} states={NO_STATES} groupStates={NO_STATES} selectedTaskId={null} onSelectTask={() => undefined} />
                    </div>
                  ))}
                </Suspense>
              ) : (
                <p className="muted">The graph appears when the file has no errors.</p>
              )
            ) : (
              <div className="bricks">
                <p className="muted small">Click a brick to fill in its parameters and insert it at the cursor (its imports are added too).</p>
                {sections.map((section) => (
                  <div key={section}>
                    <h3>{section}</h3>
                    {CODE_BRICKS.filter((b) => b.section === section).map((b) => (
                      <button key={b.id} type="button" className="brick" onClick={() => setBrick(b)} title={b.description}>
                        <span className="strong">{b.title}</span>
                        <span className="muted small">{b.description}</span>
                      </button>
                    ))}
                  </div>
                ))}
              </div>
            )}
          </div>
        </aside>
      </div>
      {brick ? <BrickDialog brick={brick} onClose={() => setBrick(null)} onInsert={(code) => insertBrick(brick, code)} /> : null}
      {reviewing ? (
        <Dialog
          title={`Review changes to ${filename}`}
          wide
          onClose={() => setReviewing(false)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setReviewing(false)}>
                Back to editing
              </button>
              <button type="button" className="button primary" disabled={save.isPending} onClick={() => save.mutate()}>
                {save.isPending ? 'Saving…' : 'Save'}
              </button>
            </>
          }
        >
          <p className="muted small">{source.original ? 'Removed lines in red, added lines in green.' : 'A new file.'} Saving stores the file; its DAGs get a new version.</p>
          <div className="review-diff">
            <CodeViewer value={current} language={languageOf(filename)} original={source.original} label={`Changes to ${filename}`} />
          </div>
          {save.isError ? (
            <div className="callout error pre-line" role="alert">
              {save.error instanceof ApiError && save.error.problem.diagnostics?.length ? save.error.problem.detail : errorMessage(save.error)}
            </div>
          ) : null}
        </Dialog>
      ) : null}
    </div>
  );
}
