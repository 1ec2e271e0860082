import { json } from '@codemirror/lang-json';
import { yaml } from '@codemirror/lang-yaml';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';
import type { LineIssue } from '../screens/policies/text-issues.js';

/** The default export, for React.lazy: the editor is loaded only when a code tab opens. */
export default CodeEditor;

/** Colours come from the console's theme variables, so the editor follows the light / dark theme. */
const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--accent)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--allowed)' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--pending)' },
  { tag: [tags.comment, tags.lineComment], color: 'var(--text-3)', fontStyle: 'italic' },
  { tag: [tags.punctuation, tags.separator, tags.bracket], color: 'var(--text-3)' },
]);

const chrome = EditorView.theme({
  '&': { fontSize: '13px', border: '1px solid var(--border)', borderRadius: '6px', background: 'var(--code-bg)' },
  '&.cm-focused': { outline: '2px solid var(--focus)', outlineOffset: '1px' },
  '.cm-content': { fontFamily: 'var(--font-mono)', caretColor: 'var(--text)', color: 'var(--text)' },
  '.cm-gutters': { background: 'var(--surface-2)', color: 'var(--text-3)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine, .cm-activeLineGutter': { background: 'var(--surface-3)' },
  '.cm-scroller': { minHeight: '320px', maxHeight: '60vh' },
});

function toDiagnostics(state: EditorState, issues: readonly LineIssue[]): Diagnostic[] {
  const lines = state.doc.lines;
  return issues.map((i) => {
    let line = state.doc.line(Math.min(Math.max(1, i.line), lines));
    // A problem reported on an empty line (an unterminated list at the end) is shown where the text ends.
    while (line.length === 0 && line.number > 1) line = state.doc.line(line.number - 1);
    const from = i.column && line.number === i.line ? Math.min(line.from + i.column - 1, line.to) : line.from;
    return { from, to: Math.max(from, line.to), severity: 'error', message: i.message };
  });
}

/**
 * A real code editor (CodeMirror 6) for YAML or JSON: syntax highlighting, line numbers, bracket
 * matching, undo, search, and the problems of the text marked on their lines as you type.
 * Controlled: `value` in, `onChange` out; `issues` are shown as lint diagnostics.
 */
function CodeEditor({
  value,
  onChange,
  language,
  issues,
  label,
  id,
}: {
  value: string;
  onChange: (v: string) => void;
  language: 'yaml' | 'json';
  issues: readonly LineIssue[];
  label: string;
  id?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const lang = useRef(new Compartment());
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          lang.current.of(language === 'yaml' ? yaml() : json()),
          // Long lines wrap: the editor never scrolls sideways (SPEC 10) in whatever width its drawer has
          // (a phone, or a drawer beside the sidebar at 800 px, where it scrolled by 7 px); errors stay on their line.
          EditorView.lineWrapping,
          syntaxHighlighting(highlight),
          lintGutter(),
          chrome,
          EditorView.contentAttributes.of({ 'aria-label': label, ...(id ? { id } : {}), spellcheck: 'false' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChangeRef.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The editor is created once; value, language and issues are pushed into it by the effects below.
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: lang.current.reconfigure(language === 'yaml' ? yaml() : json()) });
  }, [language]);

  useEffect(() => {
    const v = view.current;
    if (v) v.dispatch(setDiagnostics(v.state, toDiagnostics(v.state, issues)));
  }, [issues, value]);

  return <div ref={host} className="code-editor" data-language={language} data-issues={issues.length} />;
}
