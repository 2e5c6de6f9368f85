import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type SyncRunStatus = 'running' | 'succeeded' | 'failed' | 'removed';

/** One crawl of one service. A run resumed after a failure keeps the crawl_id of the run it resumes. */
@Entity({ name: 'sync_runs' })
@Index('sync_runs_service_idx', ['serviceSid', 'id'])
export class SyncRunEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'crawl_id', type: 'bigint' })
  crawlId: string;

  @Column({ name: 'account_sid', type: 'varchar', length: 34 })
  accountSid: string;

  @Column({ name: 'service_sid', type: 'varchar', length: 34 })
  serviceSid: string;

  @Column({ type: 'text' })
  status: SyncRunStatus;

  @Column({ type: 'text' })
  trigger: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** The next page to fetch; committed with the rows of the page before it. Null once the last page is in. */
  @Column({ name: 'checkpoint_url', type: 'text', nullable: true })
  checkpointUrl: string | null;

  @Column({ type: 'integer', default: 0 }) pages: number;
  @Column({ type: 'integer', default: 0 }) requests: number;
  @Column({ type: 'integer', default: 0 }) throttled: number;
  @Column({ type: 'integer', default: 0 }) retries: number;
  @Column({ name: 'users_seen', type: 'integer', default: 0 }) usersSeen: number;
  @Column({ type: 'integer', default: 0 }) rejected: number;
  @Column({ type: 'integer', default: 0 }) created: number;
  @Column({ type: 'integer', default: 0 }) updated: number;
  @Column({ type: 'integer', default: 0 }) unchanged: number;
  @Column({ type: 'integer', default: 0 }) deleted: number;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** Why the run did not simply resume its crawl (e.g. a checkpoint set aside after failing run after run). */
  @Column({ type: 'text', nullable: true })
  note: string | null;
}
