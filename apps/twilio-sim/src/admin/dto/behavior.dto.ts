import { Allow, IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import type { RetryAfterMode, SimBehavior } from '../../config/sim-behavior';

export class BehaviorDto implements Partial<SimBehavior> {
  @IsOptional()
  @IsInt()
  @Min(0)
  maxInFlightPerAccount?: number;

  /** "none", "http-date" or seconds; checked by BehaviorService. */
  @Allow()
  retryAfter?: RetryAfterMode;

  @IsOptional()
  @IsInt()
  @Min(0)
  latencyMs?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  latencyJitterMs?: number;

  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  fault5xxRate?: number;

  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  faultTruncateRate?: number;
}
