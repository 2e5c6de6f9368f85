import { BadRequestException, PipeTransform } from '@nestjs/common';
import { quoteInput } from '../common/sids';
import { RUN_ID } from './run-columns';

export class RunIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!RUN_ID.test(value)) throw new BadRequestException(`${quoteInput(value)} is not a sync run id (a positive whole number)`);
    return value;
  }
}
