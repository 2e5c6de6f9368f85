import { existsSync } from 'node:fs';

/**
 * Loads `.env` from the working directory into process.env when there is one, as .env.example suggests.
 * Variables already in the environment win. Entry points call it; loadConfig itself only reads what it is given.
 */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
