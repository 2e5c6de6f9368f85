import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The transactional outbox and change log. `sequence` is global, gap-free and in commit order. */
@Entity({ name: 'user_events' })
export class UserEventEntity {
  @PrimaryColumn({ type: 'bigint' })
  sequence: string;

  /** A random UUID: unique without an index to maintain on every insert. */
  @Column({ type: 'uuid' })
  id: string;

  @Column({ type: 'text' })
  type: string;

  @Column({ name: 'account_sid', type: 'varchar', length: 34 })
  accountSid: string;

  @Column({ name: 'service_sid', type: 'varchar', length: 34 })
  serviceSid: string;

  @Column({ name: 'user_sid', type: 'varchar', length: 34 })
  userSid: string;

  @Column({ name: 'run_id', type: 'bigint', nullable: true })
  runId: string | null;

  @Column({ type: 'timestamptz' })
  time: Date;

  /** CloudEvent `data`: {op, before, after, changed}. */
  @Column({ type: 'jsonb' })
  data: unknown;

}
