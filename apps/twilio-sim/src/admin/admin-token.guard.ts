import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { SIM_CONFIG } from '../config/sim.constants';
import type { SimulatorConfig } from '../config/simulator-options';

/** With SIM_ADMIN_TOKEN set, /admin needs `Authorization: Bearer <token>`; without it the admin is open. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(SIM_CONFIG) private readonly config: SimulatorConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.adminToken;
    if (expected === null) return true;
    const header = context.switchToHttp().getRequest<IncomingMessage>().headers.authorization ?? '';
    const given = Buffer.from(header.replace(/^Bearer\s+/i, ''));
    const wanted = Buffer.from(expected);
    if (/^Bearer\s+/i.test(header) && given.length === wanted.length && timingSafeEqual(given, wanted)) return true;
    throw new UnauthorizedException('admin token required');
  }
}
