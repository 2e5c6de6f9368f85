/**
 * bench/redaction: what redacting every configured secret costs on every log line.
 *   - redact() alone on a typical crawl log line (~450 bytes), and on 100 KB lines without and full of secret material;
 *   - the root logger writing typical lines with its redaction hook, against the same pino without it.
 * 3 accounts (tokens with their Basic user names) and 3 read-API tokens are registered, as a deployment would.
 * Logger runs alternate in rounds, so background load hits both alike; the figure to read is the ratio.
 *
 *   npm run build && node dist/bench/redaction.js [--lines=200000] [--rounds=5]
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createRootLogger, REDACT_PATHS, safeError } from '@app/logger';
import { registerSecrets, SecretRedactor } from '@app/redaction';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const LINES = arg('lines', 200_000);
const ROUNDS = arg('rounds', 5);
const hex = (n: number) => randomBytes(n).toString('hex');

const secrets = [
  ...Array.from({ length: 3 }, () => ({ value: hex(16), users: [`AC${hex(16)}`] })),
  ...Array.from({ length: 3 }, () => ({ value: randomBytes(24).toString('base64url') })),
];
registerSecrets(secrets);
const redactor = new SecretRedactor(secrets);

function timeIt(times: number, f: () => void): number {
  const t0 = performance.now();
  for (let i = 0; i < times; i++) f();
  return (performance.now() - t0) / times;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

const fields = {
  accountSid: `AC${hex(16)}`,
  serviceSid: `IS${hex(16)}`,
  runId: '1234',
  jobId: `IS${hex(16)}-${hex(8)}`,
  page: 17,
  users: 50,
  created: 0,
  updated: 2,
  url: `https://conversations.twilio.com/v1/Services/IS${hex(16)}/Users?PageSize=50&Page=17&PageToken=PT${hex(20)}`,
};
const typical = JSON.stringify({ level: 20, time: new Date().toISOString(), pid: 1, name: 'twilio-mirror', ...fields, msg: 'page written' });
const clean100k = JSON.stringify({ msg: 'big', body: Array.from({ length: 3000 }, () => `US${hex(16)}`).join(',') }).slice(0, 100_000);
const dirty100k = Array.from({ length: 4000 }, () => `${secrets[0].value.slice(3)} `).join('').slice(0, 100_000);

for (let i = 0; i < 20_000; i++) redactor.redact(typical); // warm up
const perLineUs = timeIt(200_000, () => redactor.redact(typical)) * 1000;
const clean = median(Array.from({ length: 9 }, () => timeIt(5, () => redactor.redact(clean100k))));
const dirty = median(Array.from({ length: 9 }, () => timeIt(5, () => redactor.redact(dirty100k))));

const sink = () => new Writable({ write: (_c, _e, done) => done() });
const withHook = createRootLogger('debug', 'bench', sink());
const without = pino(
  {
    name: 'bench',
    level: 'debug',
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: safeError, error: safeError },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  sink(),
);
const hooked: number[] = [];
const plain: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  plain.push(timeIt(LINES, () => without.debug(fields, 'page written')) * 1000);
  hooked.push(timeIt(LINES, () => withHook.debug(fields, 'page written')) * 1000);
}

const us = (x: number) => `${x.toFixed(2)} µs`;
console.log('redact(), 6 secrets registered:');
console.log(`  typical log line (${typical.length} bytes): ${us(perLineUs)} per line (${Math.round(1e6 / perLineUs).toLocaleString('en')} lines/s)`);
console.log(`  100 KB line, no secret:        ${clean.toFixed(2)} ms`);
console.log(`  100 KB line, all secret:       ${dirty.toFixed(2)} ms`);
console.log(`root logger, ${LINES.toLocaleString('en')} typical lines × ${ROUNDS} rounds (median per line):`);
console.log(`  without the hook: ${us(median(plain))}; with it: ${us(median(hooked))}; ratio ${(median(hooked) / median(plain)).toFixed(2)}`);
