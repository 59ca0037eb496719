/**
 * Unified search (seed §5): one box over bookings, inquiries, clients, models, tasks and
 * exceptions; results grouped by kind as you type ("3 Bookings"); ↑/↓ move, Enter opens the
 * card of the highlighted (first) hit. A newer keystroke's answer always wins.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import { SearchDocument, type SearchQuery } from '../graphql/generated.ts';
import type { CardType } from '../logic/routes.ts';
import { humanize, KIND_LABEL, KIND_PLURAL } from './format.ts';
import { useWorkspace } from './Workspace.tsx';

type Hit = SearchQuery['search']['groups'][number]['hits'][number];

export function SearchBox({ inputRef }: { inputRef: RefObject<HTMLInputElement | null> }) {
  const ws = useWorkspace();
  const [text, setText] = useState('');
  const [result, setResult] = useState<SearchQuery['search'] | null>(null);
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const latest = useRef(0);

  useEffect(() => {
    const query = text.trim();
    if (!query) {
      setResult(null);
      return;
    }
    const ticket = ++latest.current;
    const timer = setTimeout(() => {
      void ws.wb.client.query(SearchDocument, { text: query }, { requestPolicy: 'network-only' }).toPromise().then((answer) => {
        if (ticket !== latest.current) return;
        setResult(answer.data?.search ?? null);
        setActive(0);
      });
    }, 60);
    return () => clearTimeout(timer);
  }, [text, ws.wb.client]);

  const hits: Hit[] = result?.groups.flatMap((g) => g.hits) ?? [];
  const openHit = (hit: Hit | undefined) => {
    if (!hit) return;
    ws.openCard({ type: hit.kind as CardType, id: hit.id });
    setOpen(false);
    inputRef.current?.blur();
  };

  return (
    <div className="search" role="search">
      <label htmlFor="search" className="visually-hidden">Search everything</label>
      <input id="search" ref={inputRef} type="search" placeholder="Search everything ( / )" autoComplete="off" value={text}
        role="combobox" aria-expanded={open && !!result} aria-controls="search-results" aria-autocomplete="list"
        aria-activedescendant={open && hits[active] ? `hit-${hits[active].kind}-${hits[active].id}` : undefined}
        onFocus={() => setOpen(true)} onBlur={() => setTimeout(() => setOpen(false), 150)}
        onChange={(e) => { setText(e.target.value); setOpen(true); }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') { e.preventDefault(); setActive((a) => Math.min(hits.length - 1, a + 1)); }
          if (e.key === 'ArrowUp') { e.preventDefault(); setActive((a) => Math.max(0, a - 1)); }
          if (e.key === 'Enter') {
            e.preventDefault();
            if (result?.text === text.trim()) openHit(hits[active]);
            else if (text.trim()) {
              // Enter before the answer to the last keystroke: search now and open the best hit.
              const ticket = ++latest.current;
              void ws.wb.client.query(SearchDocument, { text: text.trim() }, { requestPolicy: 'network-only' }).toPromise().then((answer) => {
                if (ticket === latest.current) openHit(answer.data?.search.groups[0]?.hits[0]);
              });
            }
          }
        }} />
      {open && result && (
        <div id="search-results" className="search-results" role="listbox" aria-label="Search results" data-search-text={result.text}>
          {result.groups.length === 0 && <p className="empty">Nothing matches “{result.text}”.</p>}
          {result.groups.map((group) => (
            <div key={group.kind} role="group" aria-label={KIND_PLURAL[group.kind]}>
              <h3>{group.count}{group.moreThanCount ? '+' : ''} {group.count === 1 ? KIND_LABEL[group.kind] : KIND_PLURAL[group.kind]}</h3>
              {group.hits.map((hit) => {
                const index = hits.indexOf(hit);
                return (
                  <div key={hit.id} id={`hit-${hit.kind}-${hit.id}`} role="option" aria-selected={index === active} className="hit"
                    onMouseDown={(e) => { e.preventDefault(); openHit(hit); }}>
                    <strong>{hit.ref ? `${hit.ref} · ` : ''}{hit.title}</strong>
                    {hit.subtitle && <span className="muted"> {hit.subtitle}</span>}
                    {hit.status && <span className="badge">{humanize(hit.status)}</span>}
                    {(hit.email || hit.phone) && <span className="muted"> {[hit.email, hit.phone].filter(Boolean).join(' • ')}</span>}
                  </div>
                );
              })}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
