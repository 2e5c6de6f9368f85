import { Injectable } from '@nestjs/common';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import { HEALTH_TIMEOUT_MS } from './timeout';

/** Postgres answers a ping on the service's data source (terminus answers down, never throws). */
@Injectable()
export class PostgresHealthIndicator {
  constructor(private readonly typeorm: TypeOrmHealthIndicator) {}

  isHealthy(key = 'postgres') {
    return this.typeorm.pingCheck(key, { timeout: HEALTH_TIMEOUT_MS });
  }
}
