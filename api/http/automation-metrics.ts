/**
 * Automation and lifecycle figures as Prometheus gauges on the API's /metrics, read at scrape
 * time from the record (services/automation-metrics.ts): one set of queries per scrape, shared
 * by every gauge (prom-client collects them in parallel).
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { Gauge, type Registry } from 'prom-client';
import { automationFigures, type AutomationFigures } from '../../services/automation-metrics.ts';

export function registerAutomationMetrics(registry: Registry, orm: MikroORM): void {
  let scrape: Promise<AutomationFigures> | undefined;
  const figures = () => {
    scrape ??= automationFigures(orm.em.fork()).finally(() => setTimeout(() => (scrape = undefined), 1000).unref());
    return scrape;
  };
  const gauge = <L extends string>(name: string, help: string, labelNames: L[], fill: (g: Gauge<L>, f: AutomationFigures) => void) =>
    new Gauge<L>({
      name, help, labelNames, registers: [registry],
      async collect() {
        const f = await figures();
        this.reset();
        fill(this, f);
      },
    });
  gauge('virel_automation_outbox_pending', 'Domain events committed but not yet dispatched to rules', [], (g, f) => g.set(f.outbox.pending));
  gauge('virel_automation_outbox_lag_seconds', 'Age of the oldest undispatched domain event (0 when none waits)', [], (g, f) => g.set(f.outbox.oldestAgeSeconds));
  gauge('virel_domain_events_24h', 'Domain events in the last 24 h: committed, and dispatched to rules', ['state'], (g, f) => {
    g.set({ state: 'committed' }, f.events.committed);
    g.set({ state: 'dispatched' }, f.events.dispatched);
  });
  gauge('virel_automation_executions_24h', 'Rule executions started in the last 24 h by rule and status', ['rule', 'status'], (g, f) => {
    for (const r of f.executions) g.set({ rule: r.rule, status: r.status }, r.n);
  });
  gauge('virel_automation_actions_24h', 'Rule actions in the last 24 h by type and outcome', ['type', 'outcome'], (g, f) => {
    for (const r of f.actions) g.set({ type: r.type, outcome: r.outcome }, r.n);
  });
  gauge('virel_transitions_24h', 'Lifecycle transitions in the last 24 h by entity and target status', ['entity', 'to'], (g, f) => {
    for (const r of f.transitions) g.set({ entity: r.entity, to: r.to }, r.n);
  });
  gauge('virel_sla_events_24h', 'SLA warnings and breaches in the last 24 h by entity', ['entity', 'kind'], (g, f) => {
    for (const r of f.sla) g.set({ entity: r.entity, kind: r.kind }, r.n);
  });
}
