/**
 * The signed-in screen: header (views, unified search, connection state, user menu), the list
 * of the current view on the left and the open card on the right (seed §5's card sidebar), and
 * the keyboard: seed §5's shortcuts, `?` for help, Ctrl/Cmd-K for the command palette.
 */
import { createContext, lazy, Suspense, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type CSSProperties, type ReactNode, type RefObject } from 'react';
import { Provider } from 'urql';
import { session, type SignedInUser, type TemporalUi } from '../auth/session.ts';
import { createAppClient } from '../graphql/client.ts';
import type { LifecycleEntityType, QuickActionFieldsFragment } from '../graphql/generated.ts';
import { OptimisticActions } from '../logic/optimistic.ts';
import { ShortcutMatcher, type ShortcutCommand } from '../logic/shortcuts.ts';
import type { CardRef, View } from '../logic/routes.ts';
import { changeInputs } from '../../../domain/guards.ts';
import { addNote, assignTo, changeStatus, perform, runQuickAction, type ChangeData, type ItemRef, type Workbench } from './actions.ts';
import { ActionCenterView } from './ActionCenterView.tsx';
import { Card } from './Card.tsx';
import { humanize } from './format.ts';
import { BookingsView, InquiriesView, StuckView } from './ListViews.tsx';
import { AssignDialog, CommandPalette, HelpOverlay, NoteDialog, StatusDialog, StatusInputDialog, type PaletteCommand } from './Overlays.tsx';
import { SearchBox } from './SearchBox.tsx';
import { navigate, useConnection, useRoute } from './hooks.ts';

/** A row of the current list: what Enter / e opens, and what a and s act on. */
export interface ListRow {
  readonly key: string;
  readonly card: CardRef;
  /** What the row is about (an item's booking, inquiry …): what `e` opens. */
  readonly entity?: CardRef | null;
  readonly item?: ItemRef & { readonly quickActions: readonly QuickActionFieldsFragment[]; readonly ref: string };
  /** For rows that are not Action Center items: the entity's allowed next statuses, if known. */
  readonly nextStatuses?: readonly string[];
}

type Dialog =
  | { kind: 'help' } | { kind: 'palette' }
  | { kind: 'note'; row: ListRow; action: QuickActionFieldsFragment; preset?: string }
  | { kind: 'entity-note'; entity: { type: LifecycleEntityType; id: string }; title: string }
  | { kind: 'status'; row: ListRow }
  | { kind: 'status-input'; entity: { type: LifecycleEntityType; id: string }; to: string; inputs: readonly string[]; after?: (() => void) | undefined }
  | { kind: 'assign'; row: ListRow };

interface WorkspaceApi {
  readonly wb: Workbench;
  readonly user: SignedInUser;
  readonly temporalUi: TemporalUi | null;
  readonly may: (permission: string) => boolean;
  openCard(card: CardRef | null): void;
  /** The current view reports its rows (in screen order) for keyboard navigation. */
  setRows(rows: readonly ListRow[]): void;
  readonly selectedKey: string | null;
  select(key: string): void;
  /** Counts changes the server accepted; views refetch when it moves. */
  readonly changes: number;
  openDialog(dialog: Dialog): void;
  /** Runs a quick action, asking for a note's text first. */
  quick(row: ListRow, action: QuickActionFieldsFragment): void;
  /** Moves an entity to `to`, asking first for what the change has to carry (a reason, a deposit amount). */
  changeStatusTo(entity: { type: LifecycleEntityType; id: string }, to: string, after?: () => void): void;
}

/** Charts load only when the Overview is opened: the Action Center's first load stays small. */
const OverviewView = lazy(() => import('./OverviewView.tsx').then((m) => ({ default: m.OverviewView })));

const WorkspaceContext = createContext<WorkspaceApi | null>(null);

export function useWorkspace(): WorkspaceApi {
  const api = useContext(WorkspaceContext);
  if (!api) throw new Error('useWorkspace outside the workspace');
  return api;
}

const VIEW_TITLES: Record<View, string> = {
  'action-center': 'Action Center', bookings: 'Bookings', inquiries: 'Inquiries', stuck: 'Stuck work', overview: 'Overview',
};

function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** A focused button or link: Enter presses it (reached with Tab), it does not open the selected row. */
function isActivatable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('button, a[href], [role="button"], summary') !== null;
}

export function Workspace({ user, temporalUi }: { user: SignedInUser; temporalUi: TemporalUi | null }) {
  const app = useMemo(() => createAppClient(), []);
  useEffect(() => () => app.dispose(), [app]);
  const optimistic = useMemo(() => new OptimisticActions(), []);
  const [changes, setChanges] = useState(0);
  const wb = useMemo<Workbench>(() => ({ client: app.client, optimistic, user, changed: () => setChanges((n) => n + 1) }), [app, optimistic, user]);
  const route = useRoute();
  const [rows, setRowsState] = useState<readonly ListRow[]>([]);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const may = useCallback((permission: string) => user.permissions.includes(permission), [user]);

  const openCard = useCallback((card: CardRef | null) => {
    navigate({ ...route, card });
  }, [route]);

  const quick = useCallback((row: ListRow, action: QuickActionFieldsFragment) => {
    if (!row.item) return;
    if (action.kind === 'ADD_NOTE') {
      setDialog({ kind: 'note', row, action });
      return;
    }
    void runQuickAction(wb, row.item, action);
  }, [wb]);

  const changeStatusTo = useCallback((entity: { type: LifecycleEntityType; id: string }, to: string, after?: () => void, data?: ChangeData, reason?: string) => {
    const inputs = changeInputs(entity.type, to);
    if (inputs.length > 0 && !data) {
      setDialog({ kind: 'status-input', entity, to, inputs, after });
      return;
    }
    void perform(wb, entity.id, humanize(to), { kind: 'patch', patch: { status: to } }, [changeStatus(wb, entity, to, reason, data)]).then(() => after?.());
  }, [wb]);

  const api: WorkspaceApi = {
    wb, user, temporalUi, may, openCard, changes, quick, changeStatusTo: (entity, to, after) => changeStatusTo(entity, to, after),
    setRows: setRowsState,
    selectedKey,
    select: setSelectedKey,
    openDialog: setDialog,
  };

  const selectedRow = rows.find((r) => r.key === selectedKey) ?? null;
  const go = (view: View) => navigate({ view, card: null, params: {} });

  const commands = useMemo<PaletteCommand[]>(() => {
    const list: PaletteCommand[] = [];
    if (may('action_center.read')) list.push({ id: 'go-ac', label: 'Go to Action Center', run: () => go('action-center') });
    if (may('bookings.read')) list.push({ id: 'go-b', label: 'Go to Bookings', run: () => go('bookings') });
    if (may('inquiries.read')) list.push({ id: 'go-i', label: 'Go to Inquiries', run: () => go('inquiries') });
    if (may('escalations.manage')) list.push({ id: 'go-stuck', label: 'Go to Stuck work', run: () => go('stuck') }, { id: 'go-overview', label: 'Go to Overview', run: () => go('overview') });
    list.push({ id: 'search', label: 'Search everything', run: () => searchRef.current?.focus() });
    const row = selectedRow;
    if (row) {
      list.push({ id: 'open', label: `Open ${row.item?.ref ?? 'selected'}`, run: () => openCard(row.card) });
      for (const action of row.item?.quickActions ?? []) {
        list.push({ id: `qa-${action.kind}-${action.toStatus ?? ''}-${action.entityId}`, label: `${action.label} — ${row.item?.ref ?? ''}`, run: () => quick(row, action) });
      }
      if (row.item && may('escalations.manage')) list.push({ id: 'assign-someone', label: `Assign ${row.item.ref} to someone…`, run: () => setDialog({ kind: 'assign', row }) });
    }
    list.push({ id: 'help', label: 'Keyboard shortcuts', run: () => setDialog({ kind: 'help' }) });
    list.push({ id: 'signout', label: 'Sign out', run: () => void session.signOut() });
    list.push({ id: 'signout-all', label: 'Sign out everywhere', run: () => void session.signOut(true) });
    return list;
  }, [selectedRow, may, openCard, quick]);

  // The keyboard: one listener, seed §5's shortcuts through the matcher.
  const matcher = useMemo(() => new ShortcutMatcher(), []);
  const latest = useRef({ rows, selectedKey, dialog, route, selectedRow });
  latest.current = { rows, selectedKey, dialog, route, selectedRow };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const command = matcher.press({ key: event.key, ctrlKey: event.ctrlKey, metaKey: event.metaKey, altKey: event.altKey, inTextField: isTextField(event.target) }, Date.now());
      if (!command) return;
      if (command === 'open-selected' && isActivatable(event.target)) return;
      const state = latest.current;
      // An open dialog handles its own keys; only Esc and the palette pass through.
      if (state.dialog && command !== 'close' && command !== 'palette') return;
      event.preventDefault();
      handle(command, state);
    };
    const handle = (command: ShortcutCommand, state: typeof latest.current) => {
      const { rows: list, selectedKey: key, selectedRow: row } = state;
      const index = list.findIndex((r) => r.key === key);
      switch (command) {
        case 'focus-search': searchRef.current?.focus(); searchRef.current?.select(); break;
        case 'go-action-center': go('action-center'); break;
        case 'go-bookings': go('bookings'); break;
        case 'go-inquiries': go('inquiries'); break;
        case 'up': {
          const next = list[Math.max(0, index - 1)];
          if (next) setSelectedKey(next.key);
          break;
        }
        case 'down': {
          const next = list[Math.min(list.length - 1, index + 1)];
          if (next) setSelectedKey(next.key);
          break;
        }
        case 'open-selected':
        case 'open-entity':
          if (row) navigate({ ...state.route, card: command === 'open-entity' && row.item ? entityCardOf(row) : row.card });
          break;
        case 'assign-to-me': {
          const action = row?.item?.quickActions.find((a) => a.kind === 'ASSIGN_TO_ME');
          if (row && action) quick(row, action);
          break;
        }
        case 'change-status':
          if (row) setDialog({ kind: 'status', row });
          break;
        case 'close':
          if (state.dialog) setDialog(null);
          else if (document.activeElement === searchRef.current) searchRef.current?.blur();
          else if (state.route.card) navigate({ ...state.route, card: null });
          break;
        case 'help': setDialog({ kind: 'help' }); break;
        case 'palette': setDialog({ kind: 'palette' }); break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [matcher, quick]);

  // Keep the selection on a row that exists (the list changes live).
  useEffect(() => {
    if (rows.length && !rows.some((r) => r.key === selectedKey)) setSelectedKey(rows[0]?.key ?? null);
  }, [rows, selectedKey]);

  const header = useRef<HTMLElement>(null);
  const headerHeight = useHeight(header);

  const managesWork = may('escalations.manage');
  // Each role sees only the views it may read (seed §2); the API refuses the rest anyway.
  const VIEW_PERMISSION: Record<View, boolean> = {
    'action-center': may('action_center.read'), bookings: may('bookings.read'), inquiries: may('inquiries.read'), stuck: managesWork, overview: managesWork,
  };
  const views = (['action-center', 'bookings', 'inquiries', 'stuck', 'overview'] as View[]).filter((v) => VIEW_PERMISSION[v]);
  let list: ReactNode;
  if (!VIEW_PERMISSION[route.view]) {
    list = <p role="alert" className="notice">Your roles ({user.roles.join(', ')}) do not include {VIEW_TITLES[route.view]}.{views.length ? ' Choose a view above.' : ''}</p>;
  } else {
    switch (route.view) {
      case 'bookings': list = <BookingsView />; break;
      case 'inquiries': list = <InquiriesView />; break;
      case 'stuck': list = <StuckView />; break;
      case 'overview': list = <Suspense fallback={<p role="status">Loading charts…</p>}><OverviewView /></Suspense>; break;
      default: list = <ActionCenterView />;
    }
  }

  return (
    <Provider value={app.client}>
      <WorkspaceContext.Provider value={api}>
        <div className="app" style={{ '--header-height': `${headerHeight}px` } as CSSProperties}>
          <header className="top" ref={header}>
            <a className="brand" href="/" onClick={(e) => { e.preventDefault(); go('action-center'); }}>Virel Ops</a>
            <nav aria-label="Views">
              {views.map((v) => (
                <a key={v} href={v === 'action-center' ? '/' : `/${v}`} aria-current={route.view === v ? 'page' : undefined}
                  onClick={(e) => { e.preventDefault(); go(v); }}>{VIEW_TITLES[v]}</a>
              ))}
            </nav>
            <SearchBox inputRef={searchRef} />
            <ConnectionBadge />
            <UserMenu user={user} />
          </header>
          <div className={`main${route.card ? ' with-card' : ''}`}>
            <section className="list" aria-label={VIEW_TITLES[route.view]}>{list}</section>
            {route.card && (
              <aside className="card-panel" aria-label="Card">
                <Card key={`${route.card.type}:${route.card.id}`} card={route.card} />
              </aside>
            )}
          </div>
          <RefusalToast optimistic={optimistic} />
          {dialog?.kind === 'help' && <HelpOverlay onClose={() => setDialog(null)} />}
          {dialog?.kind === 'palette' && <CommandPalette commands={commands} onClose={() => setDialog(null)} />}
          {dialog?.kind === 'note' && (
            <NoteDialog title={`${dialog.action.label} — ${dialog.row.item?.ref ?? ''}`} preset={dialog.preset} onClose={() => setDialog(null)}
              onSubmit={(text) => { setDialog(null); if (dialog.row.item) void runQuickAction(wb, dialog.row.item, dialog.action, text); }} />
          )}
          {dialog?.kind === 'entity-note' && (
            <NoteDialog title={dialog.title} onClose={() => setDialog(null)}
              onSubmit={(text) => { setDialog(null); void perform(wb, dialog.entity.id, 'Note', { kind: 'patch', patch: {} }, [addNote(wb, dialog.entity, text)]); }} />
          )}
          {dialog?.kind === 'status' && <StatusDialog row={dialog.row} onClose={() => setDialog(null)} />}
          {dialog?.kind === 'status-input' && (
            <StatusInputDialog title={`${humanize(dialog.to)} — this ${dialog.entity.type}`} inputs={dialog.inputs} onClose={() => setDialog(null)}
              onSubmit={(values) => {
                setDialog(null);
                const { closedReason, ...amounts } = values;
                changeStatusTo(dialog.entity, dialog.to, dialog.after, amounts, closedReason);
              }} />
          )}
          {dialog?.kind === 'assign' && dialog.row.item && (
            <AssignDialog onClose={() => setDialog(null)}
              onPick={(id, name) => { setDialog(null); if (dialog.row.item) void assignTo(wb, dialog.row.item, id, name); }} />
          )}
        </div>
      </WorkspaceContext.Provider>
    </Provider>
  );
}

/**
 * The element's height, kept current: the header wraps onto a second line on a tablet, and the
 * card (sticky beside the list, or over it on a tablet) starts below it rather than covering the
 * search box, the connection state and the user menu.
 */
function useHeight(element: RefObject<HTMLElement | null>): number {
  const [height, setHeight] = useState(52);
  useEffect(() => {
    const node = element.current;
    if (!node) return;
    const observer = new ResizeObserver(() => setHeight(Math.ceil(node.getBoundingClientRect().height)));
    observer.observe(node);
    return () => observer.disconnect();
  }, [element]);
  return height;
}

/** `e` opens what the item is about (its booking, inquiry …); Enter opens the item itself. */
function entityCardOf(row: ListRow): CardRef {
  return row.entity ?? row.card;
}

function ConnectionBadge() {
  const state = useConnection();
  const text = state.status === 'live'
    ? state.caughtUpAt ? `Live · caught up ${new Date(state.caughtUpAt).toLocaleTimeString('en-GB')}` : 'Live'
    : state.status === 'reconnecting' ? 'Reconnecting… the list may be out of date' : 'Connecting…';
  return <span className={`connection ${state.status}`} role="status" aria-live="polite" data-connection={state.status}>{text}</span>;
}

function UserMenu({ user }: { user: SignedInUser }) {
  return (
    <div className="user">
      <span title={user.email}>@{user.name.split(' ')[0]?.toLowerCase()} <small>{user.roles.join(', ')}</small></span>
      <button type="button" onClick={() => void session.signOut()}>Sign out</button>
      <button type="button" onClick={() => void session.signOut(true)} title="End every session of yours, on every device">Sign out everywhere</button>
    </div>
  );
}

function RefusalToast({ optimistic }: { optimistic: OptimisticActions }) {
  useSyncExternalStore((l) => optimistic.subscribe(l), () => optimistic.snapshot());
  const refusal = optimistic.lastRefusal;
  useEffect(() => {
    if (!refusal) return;
    const timer = setTimeout(() => optimistic.dismissRefusal(), 8000);
    return () => clearTimeout(timer);
  }, [refusal, optimistic]);
  if (!refusal) return null;
  return (
    <div className="toast" role="alert">
      <strong>{refusal.label} refused:</strong> {refusal.message}
      <button type="button" aria-label="Dismiss" onClick={() => optimistic.dismissRefusal()}>×</button>
    </div>
  );
}
