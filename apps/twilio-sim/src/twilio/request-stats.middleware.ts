import type { ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import { StatsService } from '../upstream/stats.service';
import { classifyRoute, splitUrl, type SimRequest, type SimRequestState } from './sim-request';

/** Counts every Twilio request (401s included) once its response is over, however it ended. */
@Injectable()
export class RequestStatsMiddleware implements NestMiddleware {
  constructor(private readonly stats: StatsService) {}

  use(req: SimRequest, res: ServerResponse, next: () => void): void {
    const state: SimRequestState = { route: classifyRoute(splitUrl(req).path) };
    req.sim = state;
    res.once('close', () => {
      const status = state.reset ? 'reset' : res.writableFinished ? String(res.statusCode) : 'aborted';
      this.stats.record(state.route, status, state.account?.sid ?? null);
    });
    next();
  }
}
