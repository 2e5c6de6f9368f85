export { startSimulator, type RunningSimulator } from './start-simulator';
export type { SimulatorOptions } from './config/simulator-options';
export type { ServiceSeedSpec } from './config/services-spec';
export type { RetryAfterMode, SimBehavior } from './config/sim-behavior';
export { parseSimEnv, SimEnvError } from './config/sim-env.parser';
export {
  SIM_DEFAULT_ACCOUNT_SID,
  SIM_DEFAULT_AUTH_TOKEN,
  SIM_DEFAULT_API_KEY_SID,
  SIM_DEFAULT_API_KEY_SECRET,
} from './config/sim.constants';
export { SimAdminService } from './admin/sim-admin.service';
export type * from './admin/sim-admin.types';
export type { EchoForm, FaultKind, FaultMatch, FaultSpec, PendingFault } from './upstream/fault.types';
export type { SimStats, WebhookDeliveryStats } from './upstream/stats.service';
export type { WebhookFaults } from './webhooks/delivery-faults';
export type { WebhookConfigInput } from './webhooks/webhook-config';
export type {
  TwilioAccountWebhookConfig,
  TwilioErrorBody,
  TwilioPageMeta,
  TwilioService,
  TwilioServiceWebhookConfig,
  TwilioUser,
} from './twilio/twilio.types';
