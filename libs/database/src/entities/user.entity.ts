import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A mirrored Twilio Conversations user: Twilio's 13 fields plus the mirror's bookkeeping. */
@Entity({ name: 'users' })
@Index('users_service_sid_idx', ['chatServiceSid', 'sid'])
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 34 })
  sid: string;

  @Column({ name: 'account_sid', type: 'varchar', length: 34, nullable: true })
  accountSid: string | null;

  @Column({ name: 'chat_service_sid', type: 'varchar', length: 34 })
  chatServiceSid: string;

  @Column({ name: 'role_sid', type: 'varchar', length: 34, nullable: true })
  roleSid: string | null;

  @Column({ type: 'text', nullable: true })
  identity: string | null;

  @Column({ name: 'friendly_name', type: 'text', nullable: true })
  friendlyName: string | null;

  @Column({ type: 'jsonb', nullable: true })
  attributes: unknown;

  /** The attributes exactly as Twilio sent them (migration ExactAttributesAndErasure); `attributes` is their value. */
  @Column({ name: 'attributes_text', type: 'text', nullable: true })
  attributesText: string | null;

  @Column({ name: 'is_online', type: 'boolean', nullable: true })
  isOnline: boolean | null;

  @Column({ name: 'is_notifiable', type: 'boolean', nullable: true })
  isNotifiable: boolean | null;

  @Column({ name: 'date_created', type: 'timestamptz', nullable: true })
  dateCreated: Date | null;

  @Column({ name: 'date_updated', type: 'timestamptz', nullable: true })
  dateUpdated: Date | null;

  @Column({ type: 'text', nullable: true })
  url: string | null;

  @Column({ type: 'jsonb', nullable: true })
  links: Record<string, string> | null;

  /** See migration CheapRecrawl: the fields as Twilio sent them, for the no-parse unchanged test. */
  @Column({ name: 'source_hash', type: 'text', nullable: true })
  sourceHash: string | null;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @Column({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt: Date;

  @Column({ name: 'changed_at', type: 'timestamptz' })
  changedAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  /** When this tombstone's identity, friendly name and attributes were erased. */
  @Column({ name: 'personal_data_erased_at', type: 'timestamptz', nullable: true })
  personalDataErasedAt: Date | null;

  /** See migration ObservationOrder: when the request that read the stored state was sent. */
  @Column({ name: 'observed_at', type: 'timestamptz', nullable: true })
  observedAt: Date | null;
}
