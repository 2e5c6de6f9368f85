import { Module } from '@nestjs/common';
import { RedisConnections } from './redis-connections';

@Module({ providers: [RedisConnections], exports: [RedisConnections] })
export class RedisModule {}
