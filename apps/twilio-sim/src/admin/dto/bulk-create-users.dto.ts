import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { BULK_MAX_COUNT } from '../../config/sim.constants';
import type { BulkCreateUsersInput } from '../sim-admin.types';

export class BulkCreateUsersDto implements BulkCreateUsersInput {
  @IsInt()
  @Min(0)
  @Max(BULK_MAX_COUNT)
  count: number;

  @IsOptional()
  @IsInt()
  seed?: number;
}
