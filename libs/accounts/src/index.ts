export * from './accounts.module';
export * from './services.repository';
export * from './twilio-accounts.service';
