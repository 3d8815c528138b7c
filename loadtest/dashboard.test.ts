import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// monitoring/monitoring.test.ts holds every dashboard to the common rules
// (provisioned data source uids, queries present) and the integration tests
// parse each query in a real Prometheus; this checks what is particular to
// the k6 dashboard.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
interface Panel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(readFileSync(path.join(root, 'monitoring/grafana/dashboards/k6.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
};
const graphs = dashboard.panels.filter((p) => p.type !== 'row');
const k6Env = (
  parse(readFileSync(path.join(root, 'deploy/compose/loadtest.yaml'), 'utf8')) as {
    services: { k6: { environment: Record<string, string> } };
  }
).services.k6.environment;

describe('the k6 dashboard', () => {
  it('has a fixed uid and queries the provisioned Prometheus', () => {
    expect(dashboard.uid).toBe('todo-k6');
    for (const panel of graphs) expect(panel.datasource?.uid, panel.title).toBe('prometheus');
  });

  it("shows k6's request rate, failures and latency, each beside the API's own panel on the same screen", () => {
    const k6 = graphs.filter((p) => p.title.startsWith('k6:'));
    const exprs = (p: Panel) => (p.targets ?? []).map((t) => t.expr).join(' ');
    expect(k6.map(exprs).join(' ')).toMatch(/k6_http_reqs_total/);
    expect(k6.map(exprs).join(' ')).toMatch(/expected_response="false"/);
    expect(k6.map(exprs).join(' ')).toMatch(/k6_http_req_duration_p95/);
    for (const left of k6) {
      const right = graphs.find((p) => p.gridPos.y === left.gridPos.y && p.gridPos.x === left.gridPos.x + left.gridPos.w);
      expect(right?.title, `beside ${left.title}`).toMatch(/^API:/);
      expect(exprs(right!), right!.title).not.toMatch(/k6_/);
    }
    // One screen: nothing below the fold of a 1080p display at Grafana's 30 px rows.
    expect(Math.max(...graphs.map((p) => p.gridPos.y + p.gridPos.h))).toBeLessThanOrEqual(42);
  });

  it('queries only the trend stats k6 is told to send', () => {
    const sent = k6Env.K6_PROMETHEUS_RW_TREND_STATS!.split(',').map((s) => s.replace(/[()]/g, ''));
    const used = [...JSON.stringify(dashboard).matchAll(/k6_http_req_duration_([a-z0-9]+)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    for (const stat of used) expect(sent).toContain(stat);
  });

  // Checked against a real k6 2.2 run's remote write: k6 creates a counter's series at its first sample, so
  // k6_dropped_iterations_total does not exist in a run that dropped nothing, and a bare query draws no line.
  it('draws dropped iterations as 0 while a run is active, not as no data, when k6 dropped none', () => {
    const panel = graphs.find((p) => p.title.startsWith('k6: VUs'));
    const dropped = panel?.targets?.find((t) => t.expr.includes('k6_dropped_iterations_total'));
    expect(dropped?.expr).toMatch(/k6_dropped_iterations_total.* or .*k6_vus/);
  });

  // One series per method and status under each route: the panel's max over them is at or above the route's
  // p95 the threshold judges (a mixture's p95 never exceeds the largest of its parts'), and says so.
  it("says that a route's p95 line is the highest of its method and status series", () => {
    const panel = graphs.find((p) => p.title.startsWith('k6: latency p95'));
    expect(panel?.targets?.map((t) => t.expr).join(' ')).toMatch(/max by \(name\)/);
    expect((panel as Panel & { description?: string }).description).toMatch(/highest .* method and status/);
  });
});
