import type { AccountStatus, CrawlStatus, ServiceStatus, StatusSnapshot } from './status-snapshot';

/**
 * The status page as one HTML document: server-rendered, no JavaScript (it reloads itself with a meta refresh),
 * styles inline so that it needs nothing else from the server. Every value from the database or upstream (a
 * service's friendly name, an error) is escaped. Rows carry their numbers as data-* attributes for scripts.
 */
export function renderStatusPage(s: StatusSnapshot): string {
  const crawling = s.services.filter((x) => x.crawl).length;
  const stale = s.services.filter((x) => x.stale).length;
  const users = s.services.reduce((n, x) => n + x.users, 0);
  const title = `Mirror status · ${plural(s.services.length, 'service')}${crawling ? ` · ${crawling} crawling` : ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="${s.refreshSeconds}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><div class="bar-inner">
  <div><h1>Twilio Conversations user mirror</h1><p>Status · ${esc(time(s.generatedAt))} UTC</p></div>
  <nav><a href="/admin/queues">Queues</a><a href="/docs">API docs</a></nav>
</div></header>
<main>
<section class="cards">
  ${card('Services', num(s.services.length), `${crawling} crawling · ${stale} stale`, stale ? 'warn' : '', 'services')}
  ${card('Users mirrored', num(users), 'live users after the last successful crawls', '', 'users')}
  ${s.outbox ? card('Outbox backlog', num(s.outbox.unpublished), `relay lag ${duration(s.outbox.lagSeconds)}`, s.outbox.lagSeconds > 60 ? 'warn' : '', 'outbox', { unpublished: s.outbox.unpublished, 'lag-seconds': s.outbox.lagSeconds }) : card('Outbox backlog', '?', 'Postgres did not answer', 'bad', 'outbox')}
  ${s.queue ? card('Crawl queue', `${num(s.queue.active ?? 0)} active`, `${num(s.queue.waiting ?? 0)} waiting · ${num(s.queue.delayed ?? 0)} delayed · ${num(s.queue.failed ?? 0)} failed`, (s.queue.failed ?? 0) > 0 ? 'warn' : '', 'queue', s.queue) : card('Crawl queue', '?', 'Redis did not answer', 'bad', 'queue')}
</section>
<section>
  <h2>Accounts</h2>
  <table>
    <thead><tr><th>Account</th><th>Health</th><th class="n">Budget in flight / limit</th><th class="n" title="Answers 429 from Twilio, across every worker">Throttled (429), 5 min</th><th>Last error</th></tr></thead>
    <tbody>${s.accounts.length ? s.accounts.map(accountRow).join('') : empty(5, 'No account yet: the scheduler has not run.')}</tbody>
  </table>
</section>
<section>
  <h2>Services</h2>
  <table>
    <thead><tr><th>Service</th><th class="n">Users</th><th>Last success</th><th class="crawl">Current crawl</th><th class="n">Rejected</th></tr></thead>
    <tbody>${s.services.length ? s.services.map(serviceRow).join('') : empty(5, 'No service yet: the scheduler has not discovered any.')}</tbody>
  </table>
  ${s.truncated ? `<p class="note">Only the first ${s.services.length} services are listed; GET /v1/services has them all.</p>` : ''}
</section>
</main>
<footer>Refreshes every ${s.refreshSeconds} s. Progress: the run's pages against the last successful run's. A service is stale after ${duration(s.staleAfterSeconds)} without a successful crawl (twice the SYNC_CRON interval). <a href="/metrics">/metrics</a> has the same for Prometheus.</footer>
</body>
</html>
`;
}

function card(label: string, value: string, hint: string, tone: string, id: string, data: Record<string, number> = {}): string {
  return `<div class="card ${tone}" id="${id}"${dataAttrs(data)}><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div><div class="hint">${esc(hint)}</div></div>`;
}

function accountRow(a: AccountStatus): string {
  const data = { 'budget-limit': a.budget?.limit, 'budget-in-flight': a.budget?.inFlight, 'throttled-recently': a.throttledRecently ?? undefined };
  return `<tr data-account="${esc(a.sid)}"${dataAttrs(data)}>
    <td class="mono">${esc(a.sid)}</td>
    <td>${badge(a.health, a.health === 'ok' ? 'ok' : a.health === 'unhealthy' ? 'bad' : 'muted')}</td>
    <td class="n">${a.budget ? `${num(a.budget.inFlight)} / ${num(Math.floor(a.budget.limit * 10) / 10)}` : '?'}</td>
    <td class="n">${a.throttledRecently === null ? '?' : a.throttledRecently > 0 ? `<span class="warn-text">${num(a.throttledRecently)}</span>` : '0'}</td>
    <td class="error">${a.lastError ? esc(a.lastError) : '<span class="muted">—</span>'}</td>
  </tr>`;
}

function serviceRow(s: ServiceStatus): string {
  const c = s.crawl;
  const data = {
    users: s.users,
    rejected: s.rejected,
    'age-seconds': s.ageSeconds ?? undefined,
    pages: c?.pages,
    'expected-pages': c?.expectedPages ?? undefined,
    percent: c?.percent ?? undefined,
    'users-seen': c?.usersSeen,
  };
  const flags = [
    !s.enabled ? badge('disabled', 'muted') : '',
    s.removed ? badge('removed upstream', 'bad') : '',
    s.stale ? badge('stale', 'warn') : '',
  ].join('');
  return `<tr data-service="${esc(s.sid)}"${dataAttrs(data)}${c ? ` data-run="${esc(c.runId)}"` : ''}>
    <td><div class="name">${s.friendlyName ? esc(s.friendlyName) : '<span class="muted">unnamed</span>'}</div><div class="mono small">${esc(s.sid)}</div></td>
    <td class="n">${num(s.users)}</td>
    <td>${s.lastSuccessAt ? `<span title="${esc(s.lastSuccessAt.toISOString())}">${esc(duration(s.ageSeconds ?? 0))} ago</span>` : '<span class="muted">never</span>'} ${flags}</td>
    <td class="crawl">${c ? crawlCell(c) : idleCell(s)}</td>
    <td class="n">${s.rejected > 0 ? `<span class="warn-text" title="Records the latest run could not store: GET /v1/sync-runs/{id} says why">${num(s.rejected)}</span>` : '0'}</td>
  </tr>`;
}

function crawlCell(c: CrawlStatus): string {
  const of = c.expectedPages === null ? `${num(c.pages)} pages (first crawl)` : `<b>${c.percent}%</b> · ${num(c.pages)} / ${num(c.expectedPages)} pages`;
  const bar =
    c.percent === null
      ? `<div class="bar indeterminate" role="progressbar" aria-label="pages written"></div>`
      : `<div class="bar" role="progressbar" aria-label="pages written" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${c.percent}"><div class="fill" style="width:${c.percent}%"></div></div>`;
  const eta = c.etaSeconds === null ? '' : ` · ETA ${duration(c.etaSeconds)}`;
  const throttled = c.throttled > 0 ? ` · <span class="warn-text">${num(c.throttled)} × 429</span>` : '';
  const rate = c.usersPerSecond >= 100 ? Math.round(c.usersPerSecond) : c.usersPerSecond;
  return `${bar}<div class="small">${of}</div><div class="small muted">${num(rate)} users/s${eta}${throttled} · run ${esc(c.runId)}</div>`;
}

function idleCell(s: ServiceStatus): string {
  if (s.lastRunStatus === 'failed') return badge('last run failed', 'bad');
  if (s.lastRunStatus === null) return '<span class="muted">not crawled yet</span>';
  return `<span class="muted">idle · last run ${esc(s.lastRunStatus)}</span>`;
}

function empty(columns: number, text: string): string {
  return `<tr><td colspan="${columns}" class="muted">${esc(text)}</td></tr>`;
}

function badge(text: string, tone: string): string {
  return `<span class="badge ${tone}">${esc(text)}</span>`;
}

function dataAttrs(data: Record<string, number | undefined>): string {
  return Object.entries(data)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` data-${k}="${v}"`)
    .join('');
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function num(n: number): string {
  return n.toLocaleString('en-US');
}

function plural(n: number, word: string): string {
  return `${num(n)} ${word}${n === 1 ? '' : 's'}`;
}

function time(d: Date): string {
  return d.toISOString().slice(11, 19);
}

/** 42 s, 3 min 20 s, 2 h 5 min, 3 d 4 h. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  return `${Math.floor(s / 86_400)} d${Math.floor((s % 86_400) / 3600) ? ` ${Math.floor((s % 86_400) / 3600)} h` : ''}`;
}

const STYLE = `
:root { --ink:#1d2433; --muted:#6b7487; --line:#e4e7ee; --bg:#f5f7fb; --card:#fff; --accent:#2f6fed;
  --ok:#1f9d55; --ok-bg:#e3f6ea; --warn:#b7791f; --warn-bg:#fdf3dc; --bad:#c53030; --bad-bg:#fde8e8; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; color:var(--ink); background:var(--bg); }
header { background:#111827; color:#fff; }
header .bar-inner { display:flex; justify-content:space-between; align-items:center; padding:16px 32px; max-width:1320px; margin:0 auto; }
header h1 { margin:0; font-size:18px; font-weight:600; letter-spacing:.2px; }
header p { margin:2px 0 0; color:#9aa4b8; font-size:13px; }
header nav a { color:#c8d3ea; text-decoration:none; margin-left:20px; font-size:13px; }
header nav a:hover { color:#fff; }
main { padding:24px 32px; max-width:1320px; margin:0 auto; }
.cards { display:grid; grid-template-columns:repeat(4,minmax(0,1fr)); gap:16px; margin-bottom:28px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 18px; border-top:3px solid var(--accent); }
.card.warn { border-top-color:var(--warn); } .card.bad { border-top-color:var(--bad); }
.card .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.6px; }
.card .value { font-size:26px; font-weight:600; margin:4px 0 2px; font-variant-numeric:tabular-nums; }
.card .hint { color:var(--muted); font-size:12.5px; }
h2 { font-size:15px; margin:0 0 10px; font-weight:600; }
section { margin-bottom:28px; }
table { width:100%; border-collapse:separate; border-spacing:0; background:var(--card); border:1px solid var(--line); border-radius:10px; overflow:hidden; }
th { text-align:left; font-weight:600; font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.5px; background:#fafbfd; padding:10px 14px; border-bottom:1px solid var(--line); }
td { padding:11px 14px; border-bottom:1px solid var(--line); vertical-align:middle; }
tbody tr:last-child td { border-bottom:none; }
.n { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
th.crawl, td.crawl { width:34%; }
.mono { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12.5px; }
.small { font-size:12.5px; } .muted { color:var(--muted); } .name { font-weight:600; }
.error { color:var(--bad); font-size:12.5px; max-width:360px; overflow-wrap:anywhere; }
.warn-text { color:var(--warn); font-weight:600; }
.badge { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; margin-left:4px; }
.badge:first-child { margin-left:0; }
.badge.ok { color:var(--ok); background:var(--ok-bg); } .badge.warn { color:var(--warn); background:var(--warn-bg); }
.badge.bad { color:var(--bad); background:var(--bad-bg); } .badge.muted { color:var(--muted); background:#eef0f4; }
.bar { height:8px; border-radius:999px; background:#e8ecf4; overflow:hidden; margin:2px 0 5px; }
.bar .fill { height:100%; background:linear-gradient(90deg,#2f6fed,#5b8ff9); border-radius:999px; }
.bar.indeterminate { background:repeating-linear-gradient(45deg,#dbe4f8 0 10px,#eef2fb 10px 20px); }
.note { color:var(--muted); font-size:12.5px; }
footer { padding:0 32px 28px; color:var(--muted); font-size:12.5px; max-width:1320px; margin:0 auto; }
footer a { color:var(--accent); }
@media (max-width: 900px) { .cards { grid-template-columns:repeat(2,minmax(0,1fr)); } main, header, footer { padding-left:16px; padding-right:16px; } }
`;
