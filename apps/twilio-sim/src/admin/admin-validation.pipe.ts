import { ValidationPipe } from '@nestjs/common';

/** Admin bodies are checked strictly: an unknown field is a typo in a test, not something to ignore. */
export const adminValidationPipe = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });
