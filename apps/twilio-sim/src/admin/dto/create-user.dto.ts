import { IsString, MinLength } from 'class-validator';
import type { CreateUserInput } from '../sim-admin.types';
import { UpdateUserDto } from './update-user.dto';

export class CreateUserDto extends UpdateUserDto implements CreateUserInput {
  @IsString()
  @MinLength(1)
  identity: string;
}
