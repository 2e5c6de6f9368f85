import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { from, mergeMap, of, type Observable } from 'rxjs';
import type { SimRequest } from '../twilio/sim-request';
import { sendHtmlPage, sendProxyNotFound } from '../twilio/twilio-responder';
import { TwilioHttpException } from '../twilio/twilio-http.exception';
import { BehaviorService } from './behavior.service';
import { ConcurrencyService } from './concurrency.service';
import { credentialEchoError } from './credential-echo';
import { FaultsService } from './faults.service';
import { LatencyService } from './latency.service';

/**
 * Twilio's per-account concurrency header. Twilio documents it only as a header to monitor to see how close an
 * account is to its concurrency limit (error pages 20429 and 45780: "Monitor the Twilio-Concurrent-Requests
 * and Twilio-Request-Duration response headers"); real answers, successful and failed alike, carry it as the
 * account's requests in flight counting this one ("1" for a lone request). The simulator sends the count at
 * admission; a 429 carries the count that refused it. Not documented: whether Twilio sends it on a 429.
 */
export const CONCURRENT_REQUESTS_HEADER = 'Twilio-Concurrent-Requests';

/**
 * Plays the upstream between authentication and the handler: the per-account in-flight limit (429),
 * added latency with its jitter (spent while holding the slot), then one-shot or random faults.
 */
@Injectable()
export class UpstreamInterceptor implements NestInterceptor {
  constructor(
    private readonly behavior: BehaviorService,
    private readonly concurrency: ConcurrencyService,
    private readonly faults: FaultsService,
    private readonly latency: LatencyService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<SimRequest>();
    const res = context.switchToHttp().getResponse<ServerResponse>();
    const accountSid = req.sim?.account?.sid;
    if (!req.sim || accountSid === undefined) throw new Error('UpstreamInterceptor needs TwilioAuthGuard first');
    const inFlight = this.concurrency.tryAcquire(accountSid, this.behavior.current.maxInFlightPerAccount);
    if (inFlight === null) {
      throw TwilioHttpException.tooManyRequests({
        ...this.behavior.retryAfterHeaders(),
        [CONCURRENT_REQUESTS_HEADER]: String(this.concurrency.current(accountSid)),
      });
    }
    res.setHeader(CONCURRENT_REQUESTS_HEADER, String(inFlight));
    const admitted = performance.now();
    res.once('close', () => this.concurrency.release(accountSid, performance.now() - admitted));
    const delay = this.latency.nextDelayMs();
    if (delay === 0) return this.afterLatency(req, res, accountSid, next);
    return from(sleep(delay)).pipe(mergeMap(() => this.afterLatency(req, res, accountSid, next)));
  }

  private afterLatency(req: SimRequest, res: ServerResponse, accountSid: string, next: CallHandler): Observable<unknown> {
    const state = req.sim!;
    const fault = this.faults.draw(state.route, accountSid);
    switch (fault?.kind) {
      case undefined:
        return next.handle();
      case '500':
        throw TwilioHttpException.internalError();
      case '503':
        throw TwilioHttpException.serviceUnavailable();
      case '429':
        throw TwilioHttpException.tooManyRequests(this.behavior.retryAfterHeaders());
      case 'echo-credential':
        throw credentialEchoError(req.headers.authorization, fault.form ?? 'token', fault.status ?? 500);
      case 'reset':
        state.reset = true;
        req.socket.destroy();
        return of(undefined);
      case 'non-json':
        sendHtmlPage(res);
        return of(undefined);
      case 'proxy-404':
        sendProxyNotFound(res);
        return of(undefined);
      case 'truncate':
      case 'bad-sid':
      case 'page-loop':
      case 'control-char-next-url':
      case 'oversize-page':
      case 'endless-pages':
        state.bodyFault = fault;
        return next.handle();
    }
  }
}
