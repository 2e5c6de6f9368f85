import type { RunningSimulator } from '@app/twilio-sim';

/**
 * Re-serialises a user's attributes with its keys reordered and nothing else changed. The simulator's
 * reorderAttributes also moves date_updated forward (a real update through Twilio's API would), which is a
 * genuine change of a mirrored field; the case is the same user re-serialised, so date_updated is put back.
 */
export function reorderAttributeKeysOnly(sim: RunningSimulator, serviceSid: string, sid: string): void {
  const record = (sim.admin as unknown as { store: { service(s: string): { users: { findBySid(s: string): { dateUpdated: number; attributes: string } } } } })
    .store.service(serviceSid)
    .users.findBySid(sid);
  const dateUpdated = record.dateUpdated;
  const before = record.attributes;
  sim.admin.reorderAttributes(serviceSid, sid);
  record.dateUpdated = dateUpdated;
  if (record.attributes === before) throw new Error(`attributes of ${sid} did not change bytes`);
}
