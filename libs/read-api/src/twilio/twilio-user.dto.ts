import { ApiProperty } from '@nestjs/swagger';

/** conversations.v1.service.service_user, as Twilio sends it. */
export class TwilioUserDto {
  @ApiProperty({ example: 'US0123456789abcdef0123456789abcdef' }) sid: string;
  @ApiProperty({ nullable: true, type: String }) account_sid: string | null;
  @ApiProperty({ nullable: true, type: String }) chat_service_sid: string | null;
  @ApiProperty({ nullable: true, type: String }) role_sid: string | null;
  @ApiProperty({ nullable: true, type: String }) identity: string | null;
  @ApiProperty({ nullable: true, type: String }) friendly_name: string | null;
  @ApiProperty({ nullable: true, type: String, example: '{"plan": "pro"}', description: 'A JSON object as a string' }) attributes: string | null;
  @ApiProperty({ nullable: true, type: Boolean, description: 'Always null in lists, as Twilio' }) is_online: boolean | null;
  @ApiProperty({ nullable: true, type: Boolean, description: 'Always null in lists, as Twilio' }) is_notifiable: boolean | null;
  @ApiProperty({ nullable: true, type: String, example: '2019-12-16T22:18:37Z' }) date_created: string | null;
  @ApiProperty({ nullable: true, type: String, example: '2019-12-16T22:18:38Z' }) date_updated: string | null;
  @ApiProperty({ description: "The user's URL on this mirror" }) url: string;
  @ApiProperty({ type: Object, example: { user_conversations: 'http://mirror/twilio/v1/Services/IS…/Users/US…/Conversations' } }) links: Record<string, string>;
}

export class TwilioPageMetaDto {
  @ApiProperty() page: number;
  @ApiProperty() page_size: number;
  @ApiProperty() first_page_url: string;
  @ApiProperty({ nullable: true, type: String }) previous_page_url: string | null;
  @ApiProperty() url: string;
  @ApiProperty({ nullable: true, type: String, description: 'Follow it verbatim; null on the last page' }) next_page_url: string | null;
  @ApiProperty({ example: 'users' }) key: string;
}

export class TwilioUserPageDto {
  @ApiProperty({ type: [TwilioUserDto] }) users: TwilioUserDto[];
  @ApiProperty({ type: TwilioPageMetaDto }) meta: TwilioPageMetaDto;
}
