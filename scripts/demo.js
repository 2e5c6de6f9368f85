#!/usr/bin/env node
// `npm run demo`: install what is missing, build, start the Twilio simulator seeded with a few services,
// run every role of the mirror against it, and say where to look. Ctrl-C stops everything.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const readline = require('node:readline');

const root = path.resolve(__dirname, '..');
const SIM_PORT = process.env.SIM_PORT || '4010';
const PORT = process.env.PORT || '3000';
const TOKEN = 'demo-token';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * On a terminal, the children's JSON log lines are printed by pino-pretty (one readable line each: time, level,
 * message, then the line's fields); piped to a file or another program, they stay JSON.
 */
function logPrinter() {
  if (!process.stdout.isTTY) return null;
  const { prettyFactory } = require('pino-pretty');
  const pretty = prettyFactory({
    colorize: true,
    translateTime: 'SYS:HH:MM:ss',
    singleLine: true,
    ignore: 'pid,hostname,name,req,res,reqId,responseTime,accountSid,jobId',
    // An access line reads as the request it was.
    messageFormat: (log, key) => (log.req && log.res ? `${log.req.method} ${log.req.url} ${log.res.statusCode} ${log.responseTime} ms` : log[key]),
  });
  return (stream, out) => readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(pretty(line)));
}

function reachable(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port: Number(port) }, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
  });
}

async function main() {
  if (!fs.existsSync(path.join(root, 'node_modules', '.package-lock.json'))) run('npm', ['ci', '--no-audit', '--no-fund']);
  const built = path.join(root, 'dist', 'apps', 'mirror', 'src', 'main.js');
  const sources = Math.max(...['apps', 'libs', 'migrations'].map((d) => newestMtime(path.join(root, d))));
  if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < sources) run('npm', ['run', 'build']);

  // The password is the one `docker compose up -d postgres` sets; a local Postgres with trust auth ignores it.
  const db = new URL(process.env.DATABASE_URL || 'postgres://postgres:postgres@127.0.0.1:5432/twilio_mirror');
  const redis = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  const missing = [];
  if (!(await reachable(db.hostname, db.port || 5432))) missing.push(`PostgreSQL at ${db.host}`);
  if (!(await reachable(redis.hostname, redis.port || 6379))) missing.push(`Redis at ${redis.host}`);
  if (missing.length) {
    console.error(`Cannot reach ${missing.join(' and ')}. Start them (e.g. \`docker compose up -d postgres redis\`) and run \`npm run demo\` again.`);
    process.exit(1);
  }

  const children = [];
  const print = logPrinter();
  const start = (name, file, env) => {
    const child = spawn(process.execPath, [file], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', print ? 'pipe' : 'inherit', print ? 'pipe' : 'inherit'] });
    if (print) {
      print(child.stdout, process.stdout);
      print(child.stderr, process.stderr);
    }
    child.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${name} exited (${signal || code}); stopping the demo`);
        stop(1);
      }
    });
    children.push(child);
  };
  let stopping = false;
  const stop = (code = 0) => {
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    setTimeout(() => process.exit(code), 3000).unref();
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  start('simulator', 'dist/apps/twilio-sim/src/main.js', { SIM_PORT, SIM_SERVICES: process.env.SIM_SERVICES || '3x3000', SIM_SEED: '1' });
  for (let i = 0; i < 50 && !(await reachable('127.0.0.1', SIM_PORT)); i++) await new Promise((r) => setTimeout(r, 200));

  const twilio = {
    TWILIO_BASE_URL: `http://127.0.0.1:${SIM_PORT}`,
    TWILIO_ACCOUNT_SID: 'AC11111111111111111111111111111111',
    TWILIO_AUTH_TOKEN: 'simauthtoken5f3a9c2e71b84d06e9c1',
  };
  const hooks = `http://127.0.0.1:${PORT}/webhooks/twilio`;
  start('mirror', 'dist/apps/mirror/src/main.js', {
    ...twilio,
    DATABASE_URL: db.toString(),
    REDIS_URL: redis.toString(),
    API_TOKENS: TOKEN, // the demo's own, which the banner below prints: never a token from the shell
    PORT,
    ROLES: 'api,worker,scheduler',
    WEBHOOK_PUBLIC_URL: hooks,
  });
  for (let i = 0; i < 100 && !(await reachable('127.0.0.1', PORT)); i++) await new Promise((r) => setTimeout(r, 200));
  // The simulator then sends its signed user webhooks to the mirror: a change shows within a second.
  spawnSync(process.execPath, ['dist/apps/mirror/src/webhooks-cli.js', 'register', '--url', hooks], { cwd: root, env: { ...process.env, ...twilio }, stdio: 'ignore' });

  const shownDb = new URL(db.toString());
  shownDb.password = ''; // a banner is no place for a password (psql asks, or reads ~/.pgpass)
  console.log(`
  ┌─ Twilio Conversations user mirror — demo ───────────────────────────────────────────
  │ Simulator (upstream): http://127.0.0.1:${SIM_PORT}/v1/Services   (admin: /admin/stats)
  │ Services and sync status:  curl -H 'Authorization: Bearer ${TOKEN}' http://127.0.0.1:${PORT}/v1/services
  │ Users of a service:        curl -H 'Authorization: Bearer ${TOKEN}' 'http://127.0.0.1:${PORT}/v1/services/IS…/users?limit=5'
  │ Change feed:               curl -H 'Authorization: Bearer ${TOKEN}' 'http://127.0.0.1:${PORT}/v1/events?after=0&limit=5'
  │ Change a user (its event follows within a second, through a webhook):
  │   curl -X POST -H 'content-type: application/json' -d '{"friendlyName":"Renamed"}' http://127.0.0.1:${SIM_PORT}/admin/services/IS…/users/US…
  │ OpenAPI:                   http://127.0.0.1:${PORT}/docs
  │ Status page (browser):     http://127.0.0.1:${PORT}/status         (any user name, password ${TOKEN})
  │ Queues (Bull Board):       http://127.0.0.1:${PORT}/admin/queues   (the same)
  │ Prometheus metrics:        curl http://127.0.0.1:${PORT}/metrics
  │ The mirror in SQL:         psql ${shownDb} -c 'select chat_service_sid, count(*) from users group by 1'
  │ Ctrl-C stops the demo.
  └──────────────────────────────────────────────────────────────────────────────────────
`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
