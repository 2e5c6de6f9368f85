import { IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import type { WebhookFaults } from '../../webhooks/delivery-faults';

/** Absent = unchanged; DeliveryFaultsService re-checks every value for in-process callers. */
export class WebhookFaultsDto implements Partial<WebhookFaults> {
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  dropRate?: number;

  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  duplicateRate?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  delayMs?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  delayJitterMs?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  reorderWindow?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  reorderMaxHoldMs?: number;

  /** null = derived from the simulator's seed and the account sid. */
  @IsOptional()
  @IsInt()
  seed?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(64)
  concurrency?: number;
}

export class FlushWebhooksDto {
  @IsOptional()
  @IsString()
  accountSid?: string;
}
