/** Dialogs: keyboard help (?), the command palette (Ctrl/Cmd-K), a note, a status change, assigning. */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useQuery } from 'urql';
import { AssigneesDocument, type LifecycleEntityType } from '../graphql/generated.ts';
import { SHORTCUTS } from '../logic/shortcuts.ts';
import { humanize } from './format.ts';
import { useWorkspace, type ListRow } from './Workspace.tsx';

function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('input, textarea, button, [tabindex]');
    first?.focus();
    return () => previous?.focus();
  }, []);
  return (
    <div className="backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div ref={ref} className="modal" role="dialog" aria-modal="true" aria-label={title}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose}>
      <table className="shortcuts">
        <tbody>{SHORTCUTS.map((s) => <tr key={s.keys}><th scope="row"><kbd>{s.keys}</kbd></th><td>{s.description}</td></tr>)}</tbody>
      </table>
      <button type="button" onClick={onClose}>Close (Esc)</button>
    </Modal>
  );
}

export interface PaletteCommand {
  readonly id: string;
  readonly label: string;
  run(): void;
}

export function CommandPalette({ commands, onClose }: { commands: PaletteCommand[]; onClose: () => void }) {
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = commands.filter((c) => words.every((w) => c.label.toLowerCase().includes(w)));
  const run = (command: PaletteCommand | undefined) => {
    if (!command) return;
    onClose();
    command.run();
  };
  return (
    <Modal title="Command palette" onClose={onClose}>
      <label htmlFor="palette-input" className="visually-hidden">Command</label>
      <input id="palette-input" type="text" placeholder="Type a command…" value={text} autoComplete="off"
        role="combobox" aria-expanded="true" aria-controls="palette-list" aria-activedescendant={shown[active] ? `cmd-${shown[active].id}` : undefined}
        onChange={(e) => { setText(e.target.value); setActive(0); }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') { e.preventDefault(); setActive((a) => Math.min(shown.length - 1, a + 1)); }
          if (e.key === 'ArrowUp') { e.preventDefault(); setActive((a) => Math.max(0, a - 1)); }
          if (e.key === 'Enter') { e.preventDefault(); run(shown[active]); }
        }} />
      <ul id="palette-list" role="listbox" aria-label="Commands" className="palette">
        {shown.map((c, i) => (
          <li key={c.id} id={`cmd-${c.id}`} role="option" aria-selected={i === active} onMouseDown={(e) => { e.preventDefault(); run(c); }}>{c.label}</li>
        ))}
      </ul>
    </Modal>
  );
}

const INPUT_LABEL: Readonly<Record<string, string>> = {
  depositAmount: 'Deposit amount', depositRequired: 'Deposit required', closedReason: 'Reason',
};

/**
 * A status change that has to carry something (domain/guards.ts changeInputs): a deposit amount
 * (left empty, the entity's own is used, and the workflow refuses if it has none), or a reason.
 */
export function StatusInputDialog({ title, inputs, onSubmit, onClose }: { title: string; inputs: readonly string[]; onSubmit: (values: Record<string, string>) => void; onClose: () => void }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const missingReason = inputs.includes('closedReason') && !values.closedReason?.trim();
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={(e) => {
        e.preventDefault();
        if (missingReason) return;
        onSubmit(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v)));
      }}>
        {inputs.map((field) => (
          <p key={field}>
            <label htmlFor={`status-${field}`}>{INPUT_LABEL[field] ?? humanize(field)}</label>{' '}
            {field === 'closedReason'
              ? <textarea id={`status-${field}`} rows={2} required value={values[field] ?? ''} onChange={(e) => setValues({ ...values, [field]: e.target.value })} />
              : <input id={`status-${field}`} type="text" inputMode="decimal" placeholder="120.00" value={values[field] ?? ''} onChange={(e) => setValues({ ...values, [field]: e.target.value })} />}
          </p>
        ))}
        <div className="actions"><button type="submit" disabled={missingReason}>Change status</button><button type="button" onClick={onClose}>Cancel</button></div>
      </form>
    </Modal>
  );
}

export function NoteDialog({ title, preset, onSubmit, onClose }: { title: string; preset?: string; onSubmit: (text: string) => void; onClose: () => void }) {
  const [text, setText] = useState(preset ?? '');
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={(e) => { e.preventDefault(); if (text.trim()) onSubmit(text.trim()); }}>
        <label htmlFor="note-text">Note</label>
        <textarea id="note-text" rows={3} value={text} onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); if (text.trim()) onSubmit(text.trim()); } }} />
        <div className="actions"><button type="submit">Save note</button><button type="button" onClick={onClose}>Cancel</button></div>
      </form>
    </Modal>
  );
}

/** `s`: the statuses the API offers for the selected item (quick actions) or entity (nextStatuses). */
export function StatusDialog({ row, onClose }: { row: ListRow; onClose: () => void }) {
  const ws = useWorkspace();
  const transitions = row.item
    ? row.item.quickActions.filter((a) => a.kind === 'TRANSITION').map((a) => ({ key: `${a.entityType}-${a.toStatus}`, label: a.label, run: () => ws.quick(row, a) }))
    : (row.nextStatuses ?? []).map((to) => ({
      key: to, label: humanize(to),
      run: () => ws.changeStatusTo({ type: row.card.type as LifecycleEntityType, id: row.card.id }, to),
    }));
  return (
    <Modal title={`Change status — ${row.item?.ref ?? ''}`} onClose={onClose}>
      {transitions.length === 0 ? <p>No status change is open to you here.</p> : (
        <ul className="choices">
          {transitions.map((t, i) => <li key={t.key}><button type="button" autoFocus={i === 0} onClick={() => { onClose(); t.run(); }}>{t.label}</button></li>)}
        </ul>
      )}
      <button type="button" onClick={onClose}>Cancel</button>
    </Modal>
  );
}

export function AssignDialog({ onPick, onClose }: { onPick: (id: string, name: string) => void; onClose: () => void }) {
  const [result] = useQuery({ query: AssigneesDocument });
  const [text, setText] = useState('');
  const people = (result.data?.users.edges.map((e) => e.node) ?? [])
    .filter((u) => u.roles.some((r) => r.code === 'OPERATOR' || r.code === 'OPS_MANAGER'))
    .filter((u) => `${u.name} ${u.email}`.toLowerCase().includes(text.toLowerCase()));
  return (
    <Modal title="Assign to" onClose={onClose}>
      <label htmlFor="assign-filter" className="visually-hidden">Filter people</label>
      <input id="assign-filter" type="text" placeholder="Name or email" value={text} onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => { if (e.key === 'Enter' && people[0]) onPick(people[0].id, people[0].name); }} />
      {result.fetching ? <p role="status">Loading…</p> : (
        <ul className="choices">{people.map((u) => <li key={u.id}><button type="button" onClick={() => onPick(u.id, u.name)}>{u.name} <small>{u.roles.map((r) => r.code).join(', ')}</small></button></li>)}</ul>
      )}
      <button type="button" onClick={onClose}>Cancel</button>
    </Modal>
  );
}
