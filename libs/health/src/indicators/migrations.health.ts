import { PgConnections } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { HEALTH_TIMEOUT_MS, withTimeout } from './timeout';

/**
 * Every migration this build knows has been applied. The process migrates before it starts, but a process
 * of an older build beside a newer schema, or a schema rolled back under it, is not ready to serve.
 */
@Injectable()
export class MigrationsHealthIndicator {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly pg: PgConnections,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async isHealthy(key = 'migrations') {
    const check = this.indicator.check(key);
    try {
      const rows = await withTimeout(this.pg.rows<{ name: string }>('SELECT name FROM migrations'), HEALTH_TIMEOUT_MS, `Postgres did not answer within ${HEALTH_TIMEOUT_MS} ms`);
      const applied = new Set(rows.map((r) => r.name));
      const pending = this.ds.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !applied.has(name));
      return pending.length === 0 ? check.up({ applied: applied.size }) : check.down({ message: 'migrations not applied', pending });
    } catch (e) {
      return check.down({ message: (e as Error).message });
    }
  }
}
