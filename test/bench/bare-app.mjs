// The baseline for the end-to-end benchmark: a bare Nest handler on the same adapter (Express) that
// forwards the body to the upstream with raw undici: no guard, no validation, no filter, no logs.
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'undici';

const pool = new Pool(process.env.UPSTREAM_URL);

class BareController {
  async forward(body) {
    const response = await pool.request({
      path: '/widget/authenticate-user',
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key' },
      body: JSON.stringify(body),
    });
    return response.body.json();
  }
}
// Decorators applied by hand: this file is plain JavaScript, run without a compile step.
const descriptor = Object.getOwnPropertyDescriptor(BareController.prototype, 'forward');
Post('authenticate')(BareController.prototype, 'forward', descriptor);
HttpCode(201)(BareController.prototype, 'forward', descriptor);
Body()(BareController.prototype, 'forward', 0);
Controller('v1/contacts')(BareController);

// oxlint-disable-next-line typescript/no-extraneous-class -- a Nest module class is empty by design
class BareModule {}
Module({ controllers: [BareController] })(BareModule);

const app = await NestFactory.create(BareModule, { logger: false });
await app.listen(0, '127.0.0.1');
process.send?.({ port: app.getHttpServer().address().port });
process.on('disconnect', () => process.exit(0));
// A normal exit on SIGINT: that is when `--cpu-prof` writes the profile (bench: where the time goes).
process.on('SIGINT', () => process.exit(0));
