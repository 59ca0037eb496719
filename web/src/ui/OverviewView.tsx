/**
 * The Overview for owners and ops managers: open work by group and SLA state, SLA breaches per
 * day, first-response and resolution times, inquiries → bookings by source (the `overview`
 * query), drawn with Chart.js (only the parts used are registered, to keep the bundle small) and
 * refreshed live when work changes (throttled, the last change of a burst included) and after a
 * reconnect (the catch-up). Each chart also says its figures in words (aria-label).
 */
import { useEffect, useMemo, useRef } from 'react';
import { useQuery, useSubscription } from 'urql';
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { ActionCenterUpdatesDocument, OverviewDocument } from '../graphql/generated.ts';
import { Throttle } from '../logic/throttle.ts';
import { humanize } from './format.ts';
import { useConnection } from './hooks.ts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

const DAYS = 14;
/** At most one refresh per 5 s: the figures are aggregates over the whole operation. */
const REFRESH_MS = 5_000;
const SLA_COLOURS: Record<string, string> = { ok: '#1d6b3a', warning: '#d4a800', breached: '#b3261e', none: '#8a929c' };

function ChartCanvas({ config, label }: { config: ChartConfiguration; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, { ...config, options: { animation: false, responsive: true, maintainAspectRatio: false, ...config.options } });
    return () => chart.current?.destroy();
    // A new chart per shape; data changes update it in place (below).
  }, [config.type]);
  useEffect(() => {
    if (!chart.current) return;
    chart.current.data = config.data;
    chart.current.update();
  }, [config.data]);
  return <div className="chart"><canvas ref={canvas} role="img" aria-label={label} /></div>;
}

export function OverviewView() {
  const [result, refetch] = useQuery({ query: OverviewDocument, variables: { days: DAYS } });
  const throttle = useMemo(() => new Throttle(() => refetch({ requestPolicy: 'network-only' }), REFRESH_MS), [refetch]);
  useEffect(() => () => throttle.dispose(), [throttle]);
  useSubscription({ query: ActionCenterUpdatesDocument }, (_p, data) => {
    throttle.request();
    return data;
  });
  // After a dropped connection, what changed meanwhile: refetch at once.
  const epoch = useConnection().epoch;
  useEffect(() => {
    if (epoch > 0) refetch({ requestPolicy: 'network-only' });
  }, [epoch, refetch]);
  const o = result.data?.overview;
  const charts = useMemo(() => {
    if (!o) return null;
    const groups = ['URGENT', 'HIGH', 'NORMAL'] as const;
    const states = ['breached', 'warning', 'ok', 'none'];
    const open: ChartConfiguration = {
      type: 'bar',
      data: {
        labels: [...groups],
        datasets: states.map((state) => ({
          label: humanize(state), backgroundColor: SLA_COLOURS[state],
          data: groups.map((g) => o.openWork.find((w) => w.group === g && w.slaState === state)?.count ?? 0),
        })),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    };
    const days = o.slaBreachesPerDay.map((d) => d.day.slice(5));
    const breaches: ChartConfiguration = {
      type: 'bar',
      data: { labels: days, datasets: [{ label: 'SLA breaches', backgroundColor: '#b3261e', data: o.slaBreachesPerDay.map((d) => d.count) }] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    };
    const times: ChartConfiguration = {
      type: 'line',
      data: {
        labels: o.firstResponsePerDay.map((d) => d.day.slice(5)),
        datasets: [
          { label: 'First response (median, min)', borderColor: '#1f5fbf', backgroundColor: '#1f5fbf', spanGaps: true, data: o.firstResponsePerDay.map((d) => d.medianMinutes) },
          { label: 'Resolution (median, min)', borderColor: '#b25000', backgroundColor: '#b25000', spanGaps: true, data: o.resolutionPerDay.map((d) => d.medianMinutes) },
        ],
      },
      options: { scales: { y: { beginAtZero: true } } },
    };
    const sources: ChartConfiguration = {
      type: 'bar',
      data: {
        labels: o.inquiriesBySource.map((s) => humanize(s.source)),
        datasets: [
          { label: 'Inquiries', backgroundColor: '#8a929c', data: o.inquiriesBySource.map((s) => s.inquiries) },
          { label: 'Became bookings', backgroundColor: '#1d6b3a', data: o.inquiriesBySource.map((s) => s.converted) },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    };
    return { open, breaches, times, sources };
  }, [o]);

  if (result.error && !o) return <p role="alert">{result.error.message}</p>;
  if (!o || !charts) return <p role="status">Loading…</p>;
  const total = o.openWork.reduce((n, w) => n + w.count, 0);
  const breached = o.openWork.filter((w) => w.slaState === 'breached').reduce((n, w) => n + w.count, 0);
  return (
    <div className="overview">
      <h1 className="view-title">Overview <small>last {DAYS} days · {total} open, {breached} breached</small></h1>
      <div className="charts">
        <section aria-labelledby="ov-open"><h2 id="ov-open">Open work by group and SLA</h2>
          <ChartCanvas config={charts.open} label={`Open work: ${o.openWork.map((w) => `${w.group} ${w.slaState} ${w.count}`).join(', ') || 'none'}`} /></section>
        <section aria-labelledby="ov-breaches"><h2 id="ov-breaches">SLA breaches per day</h2>
          <ChartCanvas config={charts.breaches} label={`SLA breaches per day: ${o.slaBreachesPerDay.map((d) => `${d.day} ${d.count}`).join(', ')}`} /></section>
        <section aria-labelledby="ov-times"><h2 id="ov-times">First response and resolution</h2>
          <ChartCanvas config={charts.times} label={timesLabel(o.firstResponsePerDay, o.resolutionPerDay)} /></section>
        <section aria-labelledby="ov-sources"><h2 id="ov-sources">Inquiries → bookings by source</h2>
          <ChartCanvas config={charts.sources} label={`Inquiries and bookings by source: ${o.inquiriesBySource.map((s) => `${s.source} ${s.inquiries} → ${s.converted}`).join(', ') || 'none'}`} /></section>
      </div>
    </div>
  );
}

type DayMedian = { day: string; medianMinutes?: number | null; count: number };

/**
 * The first-response and resolution chart in words: each day that has either, with its medians
 * and counts (both series have the same days, the query's).
 */
function timesLabel(firstResponse: readonly DayMedian[], resolution: readonly DayMedian[]): string {
  const median = (d: DayMedian | undefined) => (d && d.count > 0 ? `${Math.round(d.medianMinutes ?? 0)} min median of ${d.count}` : 'none');
  const days = firstResponse.map((d, i) => ({ day: d.day, first: d, done: resolution[i] })).filter((d) => d.first.count > 0 || (d.done?.count ?? 0) > 0);
  const text = days.map((d) => `${d.day} first response ${median(d.first)}, resolution ${median(d.done)}`).join('; ');
  return `First response to an inquiry and resolution of a task or exception, per day: ${text || 'none yet'}`;
}
