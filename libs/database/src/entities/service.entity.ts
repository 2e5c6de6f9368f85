import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'services' })
export class ServiceEntity {
  @PrimaryColumn({ type: 'varchar', length: 34 })
  sid: string;

  @Column({ name: 'account_sid', type: 'varchar', length: 34 })
  accountSid: string;

  @Column({ name: 'friendly_name', type: 'text', nullable: true })
  friendlyName: string | null;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** Set when Twilio answered 404 for the service; nothing is deleted because of it. */
  @Column({ name: 'removed_at', type: 'timestamptz', nullable: true })
  removedAt: Date | null;

  @Column({ name: 'last_run_id', type: 'bigint', nullable: true })
  lastRunId: string | null;

  @Column({ name: 'last_run_status', type: 'text', nullable: true })
  lastRunStatus: string | null;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt: Date | null;

  @Column({ name: 'user_count', type: 'integer', default: 0 })
  userCount: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
