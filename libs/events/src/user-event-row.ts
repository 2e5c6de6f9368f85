import { types } from 'pg';
import type { UserChange } from './user-change';

/**
 * A user_events row (pg's defaults: bigint as string, timestamptz as Date). The feed reads `data` parsed;
 * the relay reads it as the JSON text Postgres sends (RelayRow), to print it into the event unparsed.
 */
export interface UserEventRow<D = UserChange> {
  sequence: string;
  id: string;
  type: string;
  account_sid: string;
  service_sid: string;
  user_sid: string;
  time: Date;
  data: D;
}

export type RelayRow = UserEventRow<string>;

export const USER_EVENT_COLUMNS = 'sequence, id, type, account_sid, service_sid, user_sid, time, data';

/** Postgres channel the outbox notifies on commit, so the relay and the feed wake without polling. */
export const OUTBOX_CHANNEL = 'user_events';

const JSON_OIDS = new Set([114, 3802]); // json, jsonb

/** pg Client `types` that leave json/jsonb as text: what a connection reading RelayRows needs. */
export const RAW_JSON_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    JSON_OIDS.has(oid) ? (value: string) => value : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
};
