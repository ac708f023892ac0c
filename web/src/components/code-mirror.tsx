/**
 * CodeMirror 6 for the console: a read-only viewer (optionally showing a unified diff against another
 * text) and an editor with inline diagnostics. Python and YAML modes; colours come from CSS variables
 * so both themes read well. Only loaded with the views that use it (code, authoring).
 */
import { useEffect, useRef } from 'react';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { HighlightStyle, indentUnit, syntaxHighlighting, bracketMatching, foldGutter } from '@codemirror/language';
import { python } from '@codemirror/lang-python';
import { yaml } from '@codemirror/lang-yaml';
import { linter, lintGutter, setDiagnostics, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { unifiedMergeView } from '@codemirror/merge';
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { tags } from '@lezer/highlight';

export type CodeLanguage = 'python' | 'yaml';

export const languageOf = (filename: string): CodeLanguage => (/\.ya?ml$/i.test(filename) ? 'yaml' : 'python');

const highlight = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.operatorKeyword, tags.definitionKeyword, tags.moduleKeyword], color: 'var(--cm-keyword)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--cm-string)' },
  { tag: [tags.number, tags.bool, tags.null], color: 'var(--cm-number)' },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: 'var(--cm-comment)', fontStyle: 'italic' },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName)], color: 'var(--cm-function)' },
  { tag: [tags.className, tags.typeName], color: 'var(--cm-class)' },
  { tag: [tags.propertyName, tags.attributeName], color: 'var(--cm-property)' },
  { tag: tags.definition(tags.variableName), color: 'var(--cm-definition)' },
]);

const baseTheme = EditorView.theme({
  '&': { fontSize: '13px', backgroundColor: 'var(--code-bg)', color: 'var(--text)', height: '100%' },
  '.cm-content': { fontFamily: 'var(--mono)', caretColor: 'var(--text)' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.5' },
  '.cm-gutters': { backgroundColor: 'var(--surface-2)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'var(--cm-active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--cm-active-line)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: 'var(--cm-selection) !important' },
  '.cm-cursor': { borderLeftColor: 'var(--text)' },
  '.cm-tooltip': { backgroundColor: 'var(--surface)', color: 'var(--text)', border: '1px solid var(--border)' },
  '.cm-panels': { backgroundColor: 'var(--surface-2)', color: 'var(--text)' },
});

function languageExtension(language: CodeLanguage): Extension {
  return language === 'yaml' ? yaml() : python();
}

function common(): Extension[] {
  return [lineNumbers(), foldGutter(), drawSelection(), bracketMatching(), highlightSelectionMatches(), syntaxHighlighting(highlight), baseTheme, EditorState.tabSize.of(4), indentUnit.of('    ')];
}

/** Read-only source, or a unified diff of `value` against `original` (removed lines in red, added in green). */
export function CodeViewer({ value, language, original, label }: { value: string; language: CodeLanguage; original?: string | null; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const extensions = [...common(), languageExtension(language), EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.contentAttributes.of({ 'aria-label': label })];
    // Unchanged stretches fold away (a click opens them), so the changes are what the reader sees first.
    if (original !== undefined && original !== null)
      extensions.push(unifiedMergeView({ original, mergeControls: false, highlightChanges: true, gutter: true, syntaxHighlightDeletions: true, collapseUnchanged: { margin: 3, minSize: 6 } }));
    const view = new EditorView({ parent: host.current!, state: EditorState.create({ doc: value, extensions }) });
    return () => view.destroy();
  }, [value, language, original, label]);
  return <div className="code-host" ref={host} data-testid="code-viewer" />;
}

export interface EditorDiagnostic {
  line: number;
  col: number;
  endLine?: number;
  endCol?: number;
  message: string;
  severity: 'error' | 'warning' | 'info';
}

/** Offsets of a 1-based line:col range in a document (clamped to it). */
function rangeOf(state: EditorState, d: EditorDiagnostic): { from: number; to: number } {
  const lineAt = (n: number) => state.doc.line(Math.min(Math.max(1, n), state.doc.lines));
  const start = lineAt(d.line);
  const from = Math.min(start.from + Math.max(0, d.col - 1), start.to);
  let to: number;
  if (d.endLine !== undefined) {
    const end = lineAt(d.endLine);
    to = Math.min(end.from + Math.max(0, (d.endCol ?? 1) - 1), end.to);
  } else {
    // No end given: underline the word at the column (or the rest of the line).
    const rest = state.doc.sliceString(from, start.to);
    const word = /^[\w.]+/.exec(rest)?.[0].length ?? 0;
    to = word > 0 ? from + word : start.to;
  }
  return { from, to: Math.max(to, from) };
}

/** Puts the cursor at a 1-based line:col and scrolls it into view. */
export function goToLine(view: EditorView, line: number, col: number): void {
  const target = view.state.doc.line(Math.min(Math.max(1, line), view.state.doc.lines));
  const at = Math.min(target.from + Math.max(0, col - 1), target.to);
  view.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: 'center' }) });
  view.focus();
}

export type { EditorView };

/**
 * An editable document with diagnostics shown inline (underlined at line:col, with a gutter marker
 * and the message on hover). The parent owns the text; diagnostics can be replaced at any time.
 */
export function CodeEditor({
  value,
  language,
  onChange,
  diagnostics,
  label,
  editorRef,
}: {
  value: string;
  language: CodeLanguage;
  onChange: (text: string) => void;
  diagnostics: EditorDiagnostic[];
  label: string;
  /** Receives the editor (to move the cursor to a problem, or insert at it). */
  editorRef?: { current: EditorView | null };
}) {
  const host = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  }, [onChange]);
  const languageSlot = useRef(new Compartment());

  useEffect(() => {
    const view = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          ...common(),
          languageSlot.current.of(languageExtension(language)),
          history(),
          highlightActiveLine(),
          highlightActiveLineGutter(),
          keymap.of([indentWithTab, ...defaultKeymap, ...historyKeymap, ...searchKeymap]),
          lintGutter(),
          linter(null),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChangeRef.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    viewRef.current = view;
    if (editorRef) editorRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
      if (editorRef) editorRef.current = null;
    };
    // The editor is created once; text and language changes from outside are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const view = viewRef.current;
    if (view && view.state.doc.toString() !== value) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    viewRef.current?.dispatch({ effects: languageSlot.current.reconfigure(languageExtension(language)) });
  }, [language]);

  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const cm: CmDiagnostic[] = diagnostics.map((d) => ({ ...rangeOf(view.state, d), severity: d.severity, message: d.message }));
    view.dispatch(setDiagnostics(view.state, cm));
  }, [diagnostics]);

  return <div className="code-host editable" ref={host} data-testid="code-editor" />;
}
