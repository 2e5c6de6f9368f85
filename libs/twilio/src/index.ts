export { TwilioClient } from './twilio.client';
export {
  TwilioError,
  TwilioRateLimitError,
  TwilioServerError,
  TwilioNetworkError,
  TwilioMalformedResponseError,
  TwilioAuthError,
  TwilioNotFoundError,
  TwilioRequestError,
} from './twilio.errors';
export type { TwilioErrorInit } from './twilio.errors';
export { isUserSid, isServiceSid, isAccountSid, isRoleSid, isApiKeySid } from './twilio.sids';
export { parseUser } from './user.parser';
export type { RecordResult } from './user.parser';
export { parseService } from './service.parser';
export { parseRetryAfter } from './retry-after.parser';
export type {
  TwilioAuth,
  TwilioUser,
  TwilioService,
  RejectedRecord,
  Page,
  UsersEnvelope,
  RequestLease,
  RequestLimiter,
  RequestObserver,
  TwilioClientOptions,
  TwilioLogger,
  ReadUser,
  TwilioWebhookConfig,
  TwilioServiceWebhookConfig,
  WebhookConfigUpdate,
} from './twilio.types';
export { describeError, describeTwilioError } from './describe-error';
