import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { USERS_MAX_PAGE_SIZE } from '../../config/sim.constants';

export class PageUrlQueryDto {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  page: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(USERS_MAX_PAGE_SIZE)
  pageSize?: number;
}
