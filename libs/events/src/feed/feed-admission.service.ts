import { APP_CONFIG, AppConfig } from '@app/config';
import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ReplayPacer } from './replay-pacer';
import { subscriberKey } from './subscriber-key';

/** What a refused client is told to wait: long enough for streams to end or move, short enough to catch up. */
export const FEED_RETRY_AFTER_S = 5;
/** The process budget's burst: short, so many subscribers starting at once do not take a second's worth together. */
const PROCESS_BURST_MS = 100;

export interface FeedTicket {
  /** Paces what this request sends: its own for a stream, its token's (shared by its long-polls) for a long-poll. */
  pacer: ReplayPacer;
  /** Frees the slot; idempotent. */
  release(): void;
}

/**
 * The feed's caps: open SSE streams and long-polls together, per process (EVENTS_FEED_MAX_SUBSCRIBERS) and per
 * read-API token (EVENTS_FEED_MAX_SUBSCRIBERS_PER_TOKEN). Past either, a request is answered 429 with Retry-After
 * at once, before it costs a query.
 */
@Injectable()
export class FeedAdmission {
  private open = 0;
  private readonly perToken = new Map<string, number>();
  /**
   * A long-poll replay is a series of requests: its rate is kept per token across them. One entry per token the
   * guard accepted, so the map is as small as API_TOKENS.
   */
  private readonly longPollPacers = new Map<string, ReplayPacer>();
  /** All replays of the process together: many subscribers at their own rate would otherwise add up without bound. */
  private readonly processPacer: ReplayPacer;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.processPacer = new ReplayPacer(config.feed.replayProcessRate, PROCESS_BURST_MS);
  }

  /** Open feed requests in this process. */
  get openCount(): number {
    return this.open;
  }

  admit(req: Request, res: Response, kind: 'stream' | 'long-poll'): FeedTicket {
    const { maxSubscribers, maxSubscribersPerToken, replayRate } = this.config.feed;
    const key = subscriberKey(req.headers.authorization);
    const mine = this.perToken.get(key) ?? 0;
    if (mine >= maxSubscribersPerToken) {
      throw tooMany(
        res,
        `this token already has ${mine} open event streams and long-polls, its limit (EVENTS_FEED_MAX_SUBSCRIBERS_PER_TOKEN=${maxSubscribersPerToken}): ` +
          `close one, or retry after ${FEED_RETRY_AFTER_S} s`,
        'token',
        maxSubscribersPerToken,
      );
    }
    if (this.open >= maxSubscribers) {
      throw tooMany(
        res,
        `this server already serves ${this.open} event streams and long-polls, its limit (EVENTS_FEED_MAX_SUBSCRIBERS=${maxSubscribers}): ` +
          `retry after ${FEED_RETRY_AFTER_S} s, here or on another instance`,
        'process',
        maxSubscribers,
      );
    }
    this.open++;
    this.perToken.set(key, mine + 1);
    let pacer: ReplayPacer;
    if (kind === 'stream') {
      pacer = new ReplayPacer(replayRate, undefined, this.processPacer);
    } else {
      pacer = this.longPollPacers.get(key) ?? new ReplayPacer(replayRate, undefined, this.processPacer);
      this.longPollPacers.set(key, pacer);
    }
    let released = false;
    return {
      pacer,
      release: () => {
        if (released) return;
        released = true;
        this.open--;
        const left = (this.perToken.get(key) ?? 1) - 1;
        if (left > 0) this.perToken.set(key, left);
        else this.perToken.delete(key);
      },
    };
  }
}

function tooMany(res: Response, message: string, scope: 'token' | 'process', limit: number): HttpException {
  res.setHeader('Retry-After', String(FEED_RETRY_AFTER_S));
  return new HttpException({ statusCode: 429, error: 'Too Many Requests', message, scope, limit }, HttpStatus.TOO_MANY_REQUESTS);
}
