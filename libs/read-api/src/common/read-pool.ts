import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Read-only statements straight on the pg pool that TypeORM owns: no extra connections, and none of the
 * per-query QueryRunner work (acquire, broadcast, release) that a single SELECT of the hot path does not need.
 * Every statement is fixed SQL text with bound parameters.
 */
@Injectable()
export class ReadPool {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async rows<T>(text: string, values: unknown[]): Promise<T[]> {
    const pool = (this.ds.driver as PostgresDriver).master as Pool;
    const result = await pool.query(text, values);
    return result.rows as T[];
  }
}
