import pino, { Logger } from 'pino';

/**
 * Paths pino censors wherever they appear in a log object. Twilio credentials and read-API
 * tokens must never reach a log line, whatever object a caller happens to log.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
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

export function createRootLogger(level: string, name = 'twilio-mirror'): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
