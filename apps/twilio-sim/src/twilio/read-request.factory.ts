import { Injectable } from '@nestjs/common';
import { SimRuntime } from '../config/sim-runtime.service';
import { requestOrigin, splitUrl, type SimRequest } from './sim-request';
import type { ReadRequest } from './twilio-read.service';

@Injectable()
export class ReadRequestFactory {
  constructor(private readonly runtime: SimRuntime) {}

  /** Only called behind TwilioAuthGuard, which sets the account. */
  from(req: SimRequest): ReadRequest {
    const account = req.sim?.account;
    if (!account) throw new Error('unauthenticated Twilio request reached a handler');
    const { path, search } = splitUrl(req);
    return { account, origin: requestOrigin(req, this.runtime.url), path, search, fault: req.sim?.bodyFault };
  }
}
