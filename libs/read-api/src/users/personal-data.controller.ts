import { Principal, RequestPrincipal } from '@app/auth';
import { Controller, Delete, Param, Res } from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ScopedBearerAuth, TriggerRight } from '../access/scope.decorators';
import { sendJsonText } from '../common/json-response';
import { SidPipe } from '../common/sids';
import { ApiErrorDto } from '../errors/error.dto';
import { ApiErrors } from '../errors/error-responses';
import { PersonalDataErasedDto } from './personal-data.dto';
import { PersonalDataService } from './personal-data.service';

@ApiTags('users')
@ScopedBearerAuth()
@Controller('v1/users')
export class PersonalDataController {
  constructor(private readonly personalData: PersonalDataService) {}

  @Delete(':sid/personal-data')
  @TriggerRight()
  @ApiOperation({
    summary: "Erase a deleted user's personal data now",
    description:
      'identity, friendly_name and attributes become null on the tombstone and in every event of the user in the outbox (and so in the feed); ' +
      'the stream entries of the events the outbox still lists are deleted from the Redis Stream (older ones go with the retention). ' +
      'Done anyway DELETED_USER_RETENTION_DAYS after deleted_at. Idempotent.',
  })
  @ApiOkResponse({ type: PersonalDataErasedDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'The user is live: only deleted users are erased' })
  @ApiServiceUnavailableResponse({ type: ApiErrorDto, description: 'Redis did not answer: nothing was erased, try again' })
  @ApiErrors({ notFound: "No such user, or one of a service out of the token's scope" })
  async erase(@Param('sid', new SidPipe('US')) sid: string, @RequestPrincipal() principal: Principal, @Res() res: Response): Promise<void> {
    sendJsonText(res, 200, await this.personalData.erase(principal.scope, sid));
  }
}
