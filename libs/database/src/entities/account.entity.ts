import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Health of a configured Twilio account: a 401/403 marks it unhealthy and stops its crawls. */
@Entity({ name: 'accounts' })
export class AccountEntity {
  @PrimaryColumn({ type: 'varchar', length: 34 })
  sid: string;

  @Column({ type: 'text', default: 'ok' })
  status: 'ok' | 'unhealthy';

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
