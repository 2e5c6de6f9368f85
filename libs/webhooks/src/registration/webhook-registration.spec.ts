import type { TwilioWebhookConfig } from '@app/twilio';
import { overridesAccountHooks, planRegistration, registered } from './webhook-registration';

const URL = 'https://mirror.example.com/webhooks/twilio';
const config = (over: Partial<TwilioWebhookConfig> = {}): TwilioWebhookConfig => ({
  accountSid: 'AC' + 'a'.repeat(32),
  method: 'POST',
  preWebhookUrl: null,
  postWebhookUrl: null,
  filters: [],
  target: 'webhook',
  ...over,
});

describe('planRegistration', () => {
  it('sets the URL when there is none and adds the user post-events to the filters, keeping the others', () => {
    const plan = planRegistration(config({ filters: ['onMessageAdded'] }), URL, false);
    expect(plan.update).toEqual({ filters: ['onMessageAdded', 'onUserAdded', 'onUserUpdated'], postWebhookUrl: URL });
    expect(plan.changes).toEqual([`Filters: onUserAdded, onUserUpdated added (kept: onMessageAdded)`, `PostWebhookUrl: (none) -> ${URL}`]);
    expect(plan.refused).toEqual([]);
  });

  it('changes nothing when the account already sends the user events to the URL', () => {
    const done = config({ postWebhookUrl: URL, filters: ['onUserUpdated', 'onMessageAdded', 'onUserAdded'] });
    expect(planRegistration(done, URL, false)).toEqual({ update: null, changes: [], refused: [], warnings: [] });
    expect(registered(done, URL)).toBe(true);
    expect(registered({ ...done, filters: ['onUserAdded'] }, URL)).toBe(false);
    expect(registered({ ...done, target: 'flex' }, URL)).toBe(false);
  });

  it("never replaces someone's URL, nor adds filters that would send them user events, without --force", () => {
    const theirs = config({ postWebhookUrl: 'https://app.example.com/conversations', filters: ['onMessageAdded'] });
    const refused = planRegistration(theirs, URL, false);
    expect(refused.update).toBeNull();
    expect(refused.refused).toEqual([expect.stringMatching(/^PostWebhookUrl is already https:\/\/app\.example\.com\/conversations, .*--force replaces it/)]);
    const forced = planRegistration(theirs, URL, true);
    expect(forced.update).toEqual({ filters: ['onMessageAdded', 'onUserAdded', 'onUserUpdated'], postWebhookUrl: URL });
    expect(forced.warnings).toEqual(['https://app.example.com/conversations no longer receives the account\'s Conversations post-events']);
  });

  it('a Flex target sends nothing to the URL: refused, or set to webhook with --force', () => {
    expect(planRegistration(config({ target: 'flex' }), URL, false)).toMatchObject({ update: null, refused: [expect.stringMatching(/^Target is flex/)] });
    expect(planRegistration(config({ target: 'flex' }), URL, true).update).toMatchObject({ target: 'webhook', postWebhookUrl: URL });
  });

  it("tells a service whose own webhooks silence the account's", () => {
    const service = { ...config(), chatServiceSid: 'IS' + 'b'.repeat(32) };
    expect(overridesAccountHooks(service)).toBe(false);
    expect(overridesAccountHooks({ ...service, postWebhookUrl: 'https://x.example/hooks' })).toBe(true);
    expect(overridesAccountHooks({ ...service, preWebhookUrl: 'https://x.example/pre' })).toBe(true);
  });
});
