export * from './read-api.module';
export * from './mirror-user.dto';
