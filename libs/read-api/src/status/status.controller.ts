import { BrowserBasicAuth } from '@app/auth';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { renderStatusPage } from './status-page.view';
import { StatusService } from './status.service';

/** The status page, for a person's browser (HTTP Basic: any user name, an API token as password). */
@ApiTags('operations')
@BrowserBasicAuth()
@Controller('status')
export class StatusController {
  constructor(private readonly status: StatusService) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  // No script runs on the page, and nothing is loaded from elsewhere: styles are inline.
  @Header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'")
  @ApiOperation({ summary: 'Status page (HTML): accounts, services, crawls in progress, outbox, queue; reloads itself' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'A server-rendered HTML page', schema: { type: 'string' } })
  async page(): Promise<string> {
    return renderStatusPage(await this.status.snapshot());
  }
}
