import { Injectable } from '@nestjs/common';

/** Facts known only once the server listens; the admin builds URLs from `url` when no request origin is at hand. */
@Injectable()
export class SimRuntime {
  url = 'http://127.0.0.1';
}
