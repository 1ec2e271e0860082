import { useRef } from 'react';
import { Dialog } from '../../components/Dialog.js';

const ROWS: [string[], string][] = [
  [['J'], 'Next request in the queue'],
  [['K'], 'Previous request'],
  [['A'], 'Approve the request in the pane (all of a group ×N)'],
  [['D'], 'Deny the request in the pane'],
  [['U'], 'Undo the last answer while it waits to be sent'],
  [['1', '…', '6'], 'Remember: once, 15m, 1h, 12h, until restart, forever'],
  [['C'], 'Write a comment'],
  [['P'], 'Edit the resource pattern'],
  [['Esc'], 'Close a dialog or drawer'],
  [['?'], 'Show this help'],
];

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  return (
    <Dialog
      title="Keyboard shortcuts"
      onClose={onClose}
      initialFocus={close}
      actions={
        <button type="button" className="btn" onClick={onClose} ref={close}>
          Close
        </button>
      }
    >
      <p className="muted small" style={{ marginBottom: 12 }}>
        Approvals can be answered without the mouse. Shortcuts pause while you type in a field.
      </p>
      <table className="table shortcuts">
        <tbody>
          {ROWS.map(([keys, what]) => (
            <tr key={what}>
              <td className="nowrap">{keys.map((k) => (k === '…' ? <span key={k}> … </span> : <kbd key={k}>{k}</kbd>))}</td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
