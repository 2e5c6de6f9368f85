import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, ClientConfig, Pool, PoolClient } from 'pg';
import { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** A connection of its own that a component holds for a session: a lock, a LISTEN, the relay's leadership. */
export interface DedicatedClientOptions {
  /** Shown in pg_stat_activity. */
  applicationName: string;
  types?: ClientConfig['types'];
  /** Session settings, as `-c name=value` (libpq's `options`). */
  options?: string;
}

/**
 * The one owner of the process's Postgres connections, and the one file that reaches into TypeORM's driver.
 *
 * - `rows`: one statement on TypeORM's pg pool, without TypeORM's per-query QueryRunner work (acquire,
 *   broadcast, release) that the read API's hot SELECTs and the crawl's small statements do not need.
 * - `withClient`: a pooled connection held for a transaction, taken through TypeORM's public QueryRunner,
 *   which keeps an 'error' listener on it while it is held (a pg client without one takes the process down
 *   when Postgres goes away) and discards it from the pool if it broke.
 * - `dedicated`: a session of its own (advisory locks, LISTEN), with an 'error' listener from the start; its
 *   owner adds its own handling and reconnects.
 */
@Injectable()
export class PgConnections {
  private readonly log: Logger;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'postgres' });
  }

  /** TypeORM's pool. TypeORM listens for its idle clients' errors (poolErrorHandler, see dataSourceOptions). */
  get pool(): Pool {
    return (this.ds.driver as PostgresDriver).master as Pool;
  }

  async rows<T = Record<string, any>>(text: string, values?: unknown[]): Promise<T[]> {
    return (await this.pool.query(text, values)).rows as T[];
  }

  /**
   * Runs `fn` on a connection of the pool held for it. `fn` owns the transaction on it: a connection given
   * back inside a transaction (its ROLLBACK failed) must be reported through `discard`, so it is closed
   * rather than pooled.
   */
  async withClient<T>(fn: (client: PoolClient, discard: (e: unknown) => void) => Promise<T>): Promise<T> {
    const runner = this.ds.createQueryRunner('master');
    const client = (await runner.connect()) as PoolClient;
    let broken: unknown;
    try {
      return await fn(client, (e) => (broken ??= e ?? new Error('connection discarded')));
    } finally {
      // pg's pool closes, rather than pools again, a client that is ending when it is given back.
      if (broken) client.end().catch(() => undefined);
      await runner.release();
    }
  }

  dedicated(opts: DedicatedClientOptions): Client {
    const client = new Client({
      connectionString: this.config.databaseUrl,
      application_name: opts.applicationName,
      keepAlive: true,
      ...(opts.types ? { types: opts.types } : {}),
      ...(opts.options ? { options: opts.options } : {}),
    });
    // The owner's own listener decides what a lost session means and logs it; this one only makes sure none is unhandled.
    client.on('error', (err) => this.log.debug({ connection: opts.applicationName, error: err.message }, 'postgres connection error'));
    return client;
  }
}
