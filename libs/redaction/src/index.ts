export { REDACTED, SECRET_WINDOW, MIN_WHOLE_FORM, SecretRedactor } from './secret-redactor';
export { base64Core, secretForms } from './secret-forms';
export type { SecretInput, SecretSpec } from './secret-forms';
export { registerSecrets, redactRegisteredSecrets } from './process-secrets';
