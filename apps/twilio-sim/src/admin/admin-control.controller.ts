import { Body, Controller, Delete, Get, HttpCode, Post, Put, UseGuards, UsePipes } from '@nestjs/common';
import type { SimBehavior } from '../config/sim-behavior';
import type { FaultSpec, PendingFault } from '../upstream/fault.types';
import type { SimStats } from '../upstream/stats.service';
import { AdminTokenGuard } from './admin-token.guard';
import { adminValidationPipe } from './admin-validation.pipe';
import { BehaviorDto } from './dto/behavior.dto';
import { SimAdminService } from './sim-admin.service';

/** Reset, statistics, behaviour and fault injection. */
@Controller('admin')
@UseGuards(AdminTokenGuard)
@UsePipes(adminValidationPipe)
export class AdminControlController {
  constructor(private readonly admin: SimAdminService) {}

  @Post('reset')
  @HttpCode(204)
  reset(): void {
    this.admin.reset();
  }

  @Get('stats')
  stats(): SimStats {
    return this.admin.stats();
  }

  @Post('stats/reset')
  @HttpCode(204)
  resetStats(): void {
    this.admin.resetStats();
  }

  @Get('behavior')
  behavior(): SimBehavior {
    return this.admin.getBehavior();
  }

  @Put('behavior')
  setBehavior(@Body() body: BehaviorDto): SimBehavior {
    return this.admin.setBehavior(body);
  }

  /** Body: one fault, an array of faults, or {faults: [...]}; checked by FaultsService. */
  @Post('faults')
  @HttpCode(200)
  enqueueFaults(@Body() body: FaultSpec | FaultSpec[] | { faults: FaultSpec[] }): { pending: number } {
    const faults = Array.isArray(body) ? body : 'faults' in body ? body.faults : body;
    return this.admin.enqueueFaults(faults);
  }

  @Get('faults')
  pendingFaults(): PendingFault[] {
    return this.admin.pendingFaults();
  }

  @Delete('faults')
  @HttpCode(204)
  clearFaults(): void {
    this.admin.clearFaults();
  }
}
