/** One HTTP request the simulator will make to a webhook receiver, signed and ready to send. */
export interface OutgoingWebhook {
  accountSid: string;
  eventType: string;
  method: 'GET' | 'POST';
  /** For GET, the configured URL with the parameters appended as its query. */
  url: string;
  headers: Record<string, string>;
  /** Form-encoded parameters for POST; null for GET. */
  body: string | null;
}
