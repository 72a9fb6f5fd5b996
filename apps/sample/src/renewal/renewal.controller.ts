import { readFileSync } from 'node:fs';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { RENEWAL_PAGE } from './renewal.page.js';

/**
 * A small page showing how a front end keeps the widget's contact token fresh with
 * `POST /v1/me/opencx-token`: `GET /renewal#jwt=<user JWT>`. Public, as it holds nothing: the
 * user's JWT stays in the browser. Not part of the API, so not in Swagger.
 */
@ApiExcludeController()
@Controller('renewal')
export class RenewalController {
  // The compiled script beside this file (the build compiles renewal.client.ts with the app).
  private readonly script = readFileSync(new URL('./renewal.client.js', import.meta.url), 'utf8');

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return RENEWAL_PAGE;
  }

  @Get('renewal.client.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  client(): string {
    return this.script;
  }
}
