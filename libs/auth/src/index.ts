export * from './auth.module';
export * from './auth.decorators';
export * from './api-auth.guard';
export * from './api-tokens.service';
export * from './access-scope';
export * from './principal';
export * from './credentials';
export * from './browser-basic-auth.middleware';
