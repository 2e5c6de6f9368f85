export * from './read-api.module';
export * from './users/mirror-user.dto';
export * from './errors/error.dto';
