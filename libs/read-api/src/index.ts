export * from './read-api.module';
export * from './users/mirror-user.dto';
export * from './auth/auth.decorators';
export * from './auth/api-tokens.service';
export * from './errors/error.dto';
