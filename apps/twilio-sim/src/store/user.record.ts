/**
 * One stored user. A class (not an object literal) so a million records share one hidden class; dates are
 * epoch seconds (small integers) and attributes is the JSON string Twilio returns, so nothing is re-encoded
 * per request beyond escaping.
 */
export class UserRecord {
  constructor(
    readonly sid: string,
    readonly identity: string,
    public friendlyName: string | null,
    public attributes: string,
    public roleSid: string | null,
    public isOnline: boolean | null,
    public isNotifiable: boolean | null,
    readonly dateCreated: number,
    public dateUpdated: number,
  ) {}
}
