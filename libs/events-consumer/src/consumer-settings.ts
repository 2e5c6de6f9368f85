import type { ConsumerLogger, UserEventHandler, UserEventsConsumerOptions } from './consumer-options.types';

/** The options with every default applied and checked, once, so the loop never meets a bad value. */
export interface ConsumerSettings {
  stream: string;
  group: string;
  consumer: string;
  handler: UserEventHandler;
  batchSize: number;
  blockMs: number;
  maxDeliveries: number;
  claimIdleMs: number;
  claimIntervalMs: number;
  retryDelayMs: number;
  deadLetterStream: string;
  startFrom: '$' | '0';
  field: string;
  log: ConsumerLogger;
}

const consoleLogger: ConsumerLogger = {
  info: () => undefined,
  warn: (obj, msg) => console.warn(msg, obj),
  error: (obj, msg) => console.error(msg, obj),
};

export function resolveSettings(o: UserEventsConsumerOptions): ConsumerSettings {
  for (const name of ['stream', 'group', 'consumer'] as const) {
    if (typeof o[name] !== 'string' || !o[name]) throw new Error(`UserEventsConsumer: ${name} is required`);
  }
  if (typeof o.handler !== 'function') throw new Error('UserEventsConsumer: handler is required');
  const startFrom = o.startFrom ?? '$';
  if (startFrom !== '$' && startFrom !== '0') throw new Error('UserEventsConsumer: startFrom is "$" or "0"');
  const claimIdleMs = positiveInt('claimIdleMs', o.claimIdleMs, 30000);
  return {
    stream: o.stream,
    group: o.group,
    consumer: o.consumer,
    handler: o.handler,
    batchSize: positiveInt('batchSize', o.batchSize, 50),
    blockMs: positiveInt('blockMs', o.blockMs, 5000),
    maxDeliveries: positiveInt('maxDeliveries', o.maxDeliveries, 5),
    claimIdleMs,
    claimIntervalMs: positiveInt('claimIntervalMs', o.claimIntervalMs, Math.max(1, Math.min(Math.floor(claimIdleMs / 2), 10000))),
    retryDelayMs: positiveInt('retryDelayMs', o.retryDelayMs, 500),
    deadLetterStream: o.deadLetterStream ?? `${o.stream}:dead`,
    startFrom,
    field: o.field ?? 'event',
    log: o.logger ?? consoleLogger,
  };
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`UserEventsConsumer: ${name} must be a positive integer`);
  return value;
}
