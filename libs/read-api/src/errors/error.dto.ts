import { ApiProperty } from '@nestjs/swagger';

/** Every error of the /v1 API. */
export class ApiErrorDto {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ example: 'Bad Request' }) error: string;
  @ApiProperty({ example: 'limit must be at most 1000', description: 'What is wrong, for a person to read' }) message: string;
}

/** Every error of the Twilio-compatible surface, in Twilio's shape. */
export class TwilioErrorDto {
  @ApiProperty({ example: 20404, description: 'Twilio error code: 20001 bad request, 20003 authentication, 20404 not found' }) code: number;
  @ApiProperty({ required: false, example: 'Your AccountSid or AuthToken was incorrect.', description: 'On 401 only, as Twilio' }) detail?: string;
  @ApiProperty({ example: 'The requested resource /Services/IS…/Users/alice was not found' }) message: string;
  @ApiProperty({ example: 'https://www.twilio.com/docs/errors/20404' }) more_info: string;
  @ApiProperty({ example: 404 }) status: number;
}
