import { NotFoundException } from '@nestjs/common';

/**
 * Twilio's 404 for a users list or a user: `The requested resource /Services/{IS}/Users[/{key}] was not found`. The
 * same for a service that does not exist, one of another account, one out of the token's scope: nothing tells them
 * apart, as on Twilio.
 */
export function twilioNotFound(serviceSid: string, key?: string): NotFoundException {
  const shown = key === undefined ? '' : `/${key.length > 100 ? `${key.slice(0, 100)}…` : key}`;
  return new NotFoundException(`The requested resource /Services/${serviceSid}/Users${shown} was not found`);
}
