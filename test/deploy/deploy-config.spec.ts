import { loadConfig } from '@app/config';
import { BudgetGauges, MirrorMetrics, MirrorStateRepository, OutboxGauges, QueueGauges, ServicesGauges } from '@app/metrics';
import { CrawlQueue, UserFetchQueue } from '@app/queue';
import { RedisRequestLimiter } from '@app/rate-limit';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import pino from 'pino';

const ROOT = path.resolve(__dirname, '../..');
const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');
const yaml = (p: string) => load(read(p)) as any;

/** Every family a mirror process registers, the scrape-time gauges included (built on fakes: no scrape happens). */
function registeredFamilies(): Map<string, string> {
  const metrics = new MirrorMetrics();
  const state = {} as MirrorStateRepository;
  const log = pino({ level: 'silent' });
  new OutboxGauges(metrics, state, log);
  new ServicesGauges(metrics, state, log);
  new BudgetGauges(metrics, state, {} as RedisRequestLimiter, loadConfig({ ROLES: 'scheduler', TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32), TWILIO_AUTH_TOKEN: 'x' }), log);
  new QueueGauges(metrics, {} as CrawlQueue, {} as UserFetchQueue, log);
  return new Map(metrics.registry.getMetricsAsArray().map((m) => [m.name, (m as unknown as { type: string }).type]));
}

/** Metric names in PromQL text; `up` is Prometheus's own. */
function metricNames(exprs: string[]): string[] {
  return [...new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:twilio_mirror|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1])))];
}

function registered(families: Map<string, string>, name: string): boolean {
  if (families.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && families.get(base) === 'histogram';
}

/** deploy/: the Grafana dashboard, the Prometheus scrape config and alerts, and the compose profile that runs them. */
describe('deploy/ and the observability profile', () => {
  const compose = yaml('docker-compose.yml');
  const prometheus = yaml('deploy/prometheus/prometheus.yml');
  const dashboard = JSON.parse(read('deploy/grafana/dashboards/twilio-mirror.json'));
  const families = registeredFamilies();

  it('queries, in the dashboard and the alerts, only metrics the mirror registers', () => {
    const panels = dashboard.panels.filter((p: any) => p.type !== 'row');
    const exprs = panels.flatMap((p: any) => p.targets.map((t: any) => t.expr as string));
    const alerts = yaml('deploy/prometheus/alerts.yml').groups.flatMap((g: any) => g.rules.map((r: any) => r.expr as string));
    const names = metricNames([...exprs, ...alerts]);
    for (const family of ['twilio_mirror_pages_total', 'twilio_mirror_users_total', 'twilio_mirror_relay_lag_seconds', 'twilio_mirror_upstream_request_duration_seconds_bucket']) {
      expect(names).toContain(family);
    }
    for (const name of names) expect({ name, registered: registered(families, name) }).toEqual({ name, registered: true });
  });

  it('is a dashboard Grafana can load: unique panel ids, on the provisioned data source, within 24 columns', () => {
    expect(dashboard).toMatchObject({ uid: 'twilio-mirror', schemaVersion: expect.any(Number), title: expect.any(String) });
    const ids = dashboard.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const datasource = yaml('deploy/grafana/provisioning/datasources/prometheus.yml').datasources[0];
    expect(datasource).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect({ panel: p.title, uid: p.datasource.uid, targets: p.targets.length > 0 }).toEqual({ panel: p.title, uid: datasource.uid, targets: true });
    }
    const provider = yaml('deploy/grafana/provisioning/dashboards/dashboards.yml').providers[0];
    const grafana = compose.services.grafana;
    expect(grafana.volumes).toContain(`./deploy/grafana/dashboards:${provider.options.path}:ro`);
    expect(grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${provider.options.path}/twilio-mirror.json`);
  });

  it("scrapes every role's /metrics on its PORT with the compose demo's METRICS_TOKEN", () => {
    const env = compose['x-mirror-env'];
    const jobs = prometheus.scrape_configs;
    for (const role of ['api', 'worker', 'scheduler']) {
      const service = compose.services[role];
      expect(service.environment.ROLES).toBe(role);
      const port = Number(service.environment.PORT ?? 3000);
      const job = jobs.find((j: any) => j.job_name === `twilio-mirror-${role}`);
      expect(job).toMatchObject({ authorization: { type: 'Bearer', credentials: env.METRICS_TOKEN }, dns_sd_configs: [{ names: [role], type: 'A', port }] });
      expect(job.metrics_path ?? '/metrics').toBe('/metrics');
    }
    expect(env.METRICS_TOKEN.length).toBeGreaterThanOrEqual(8); // as loadConfig requires
  });

  it('runs Prometheus and Grafana only in the observability profile, from files that exist', () => {
    for (const name of ['prometheus', 'grafana']) {
      const s = compose.services[name];
      expect({ name, profiles: s.profiles, image: s.image }).toEqual({ name, profiles: ['observability'], image: expect.stringMatching(/:v?\d+\.\d+\.\d+$/) });
      for (const v of s.volumes.filter((v: string) => v.startsWith('./'))) expect({ v, exists: existsSync(path.join(ROOT, v.split(':')[0])) }).toEqual({ v, exists: true });
    }
    const mounted = compose.services.prometheus.volumes.map((v: string) => v.split(':')[1]);
    expect(mounted).toEqual(expect.arrayContaining(['/etc/prometheus/prometheus.yml', ...prometheus.rule_files]));
    for (const name of ['postgres', 'redis', 'twilio-sim', 'migrate', 'api', 'worker', 'scheduler']) expect(compose.services[name].profiles).toBeUndefined();
  });
});
