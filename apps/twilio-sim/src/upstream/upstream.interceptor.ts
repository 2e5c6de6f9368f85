import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { from, mergeMap, of, type Observable } from 'rxjs';
import type { SimRequest } from '../twilio/sim-request';
import { sendHtmlPage, sendProxyNotFound } from '../twilio/twilio-responder';
import { TwilioHttpException } from '../twilio/twilio-http.exception';
import { BehaviorService } from './behavior.service';
import { ConcurrencyService } from './concurrency.service';
import { FaultsService } from './faults.service';

/**
 * Plays the upstream between authentication and the handler: the per-account in-flight limit (429),
 * added latency (spent while holding the slot), then one-shot or random faults.
 */
@Injectable()
export class UpstreamInterceptor implements NestInterceptor {
  constructor(
    private readonly behavior: BehaviorService,
    private readonly concurrency: ConcurrencyService,
    private readonly faults: FaultsService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<SimRequest>();
    const res = context.switchToHttp().getResponse<ServerResponse>();
    const accountSid = req.sim?.account?.sid;
    if (!req.sim || accountSid === undefined) throw new Error('UpstreamInterceptor needs TwilioAuthGuard first');
    const { maxInFlightPerAccount, latencyMs } = this.behavior.current;
    if (!this.concurrency.tryAcquire(accountSid, maxInFlightPerAccount)) {
      throw TwilioHttpException.tooManyRequests(this.behavior.retryAfterHeaders());
    }
    const admitted = performance.now();
    res.once('close', () => this.concurrency.release(accountSid, performance.now() - admitted));
    if (latencyMs === 0) return this.afterLatency(req, res, accountSid, next);
    return from(sleep(latencyMs)).pipe(mergeMap(() => this.afterLatency(req, res, accountSid, next)));
  }

  private afterLatency(req: SimRequest, res: ServerResponse, accountSid: string, next: CallHandler): Observable<unknown> {
    const state = req.sim!;
    const fault = this.faults.draw(state.route, accountSid);
    switch (fault) {
      case null:
        return next.handle();
      case '500':
        throw TwilioHttpException.internalError();
      case '503':
        throw TwilioHttpException.serviceUnavailable();
      case '429':
        throw TwilioHttpException.tooManyRequests(this.behavior.retryAfterHeaders());
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
        state.bodyFault = fault;
        return next.handle();
    }
  }
}
