import { redactRegisteredSecrets } from '@app/redaction';
import pino, { DestinationStream, Logger } from 'pino';

/**
 * Paths pino censors wherever they appear in a log object. Twilio credentials and read-API
 * tokens must never reach a log line, whatever object a caller happens to log.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  // A webhook's signature is good for that one request, and for replaying it.
  'req.headers["x-twilio-signature"]',
  'res.headers["set-cookie"]',
  'authToken',
  'apiKeySecret',
  'password',
  'token',
  'secret',
  '*.authToken',
  '*.apiKeySecret',
  '*.password',
  '*.token',
  '*.secret',
  'auth.authToken',
  'auth.apiKeySecret',
];

/**
 * The fields of an error a log line keeps. pino's own serializer prints every enumerable property, and
 * libraries hang secrets there: ioredis puts the failed command on its errors, so a refused AUTH carried the
 * Redis password into the log. Unknown properties are left out rather than censored one by one.
 */
const ERROR_FIELDS = ['type', 'message', 'stack', 'code', 'errno', 'syscall', 'address', 'port', 'status', 'url', 'method', 'retryable'];

export function safeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const full = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const k of ERROR_FIELDS) if (full[k] !== undefined) kept[k] = full[k];
  if (err.cause instanceof Error && depth < 3) kept.cause = safeError(err.cause, depth + 1);
  return kept;
}

/**
 * The process's one pino instance. Path redaction censors the fields known to hold credentials; the
 * streamWrite hook is the last line of defence behind it: every line, whoever wrote it (our code, Nest,
 * pino-http's access lines, a library's error) and whatever field the text sits in, has every registered
 * secret (registerSecrets) taken out in any form before it is written.
 */
export function createRootLogger(level: string, name = 'twilio-mirror', destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: safeError, error: safeError },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: { streamWrite: redactRegisteredSecrets },
  };
  return destination ? pino(options, destination) : pino(options);
}
