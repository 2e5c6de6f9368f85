import type { RunningSimulator } from '@app/twilio-sim';

/**
 * Re-serialises a user's attributes with its keys reordered and nothing else changed (date_updated too:
 * the case is the same user re-serialised, not rewritten through the API).
 */
export function reorderAttributeKeysOnly(sim: RunningSimulator, serviceSid: string, sid: string): void {
  const before = sim.admin.getUser(serviceSid, sid);
  const after = sim.admin.reorderAttributes(serviceSid, sid, { touch: false });
  if (after.attributes === before.attributes) throw new Error(`attributes of ${sid} did not change bytes`);
  if (after.date_updated !== before.date_updated) throw new Error(`date_updated of ${sid} moved`);
}
