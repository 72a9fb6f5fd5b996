// The sample's endpoint reduced to what measure 3 names, "guard, validation, service, filter": the
// sample's own API-key guard, validation pipe, body parsing and exception filter around
// `ContactAuthService`, on the same adapter, without the request log, the security headers and the
// per-caller throttling. Run beside the full sample, it shows what those three cost.
import { Body, Controller, HttpCode, Module, Post, UseGuards } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { AuthenticateUserDto, ContactAuthService, OpenCxExceptionFilter, OpenCxModule } from 'nestjs-opencx';
import { ApiKeyGuard } from '../../dist/apps/sample/auth/api-key.guard.js';
import { bodyParserErrors } from '../../dist/apps/sample/common/body-parser-errors.middleware.js';
import { HardenedValidationPipe } from '../../dist/apps/sample/common/hardened-validation.pipe.js';
import { SAMPLE_CONFIG } from '../../dist/apps/sample/config/sample.constants.js';

class CoreController {
  constructor(contactAuth) {
    this.contactAuth = contactAuth;
  }
  authenticate(body) {
    return this.contactAuth.authenticateUser(body);
  }
}
// Decorators and parameter types applied by hand: this file is plain JavaScript, run without a compile step.
Reflect.defineMetadata('design:paramtypes', [ContactAuthService], CoreController);
Reflect.defineMetadata('design:paramtypes', [AuthenticateUserDto], CoreController.prototype, 'authenticate');
const descriptor = Object.getOwnPropertyDescriptor(CoreController.prototype, 'authenticate');
Post('authenticate')(CoreController.prototype, 'authenticate', descriptor);
HttpCode(201)(CoreController.prototype, 'authenticate', descriptor);
Body()(CoreController.prototype, 'authenticate', 0);
UseGuards(ApiKeyGuard)(CoreController);
Controller('v1/contacts')(CoreController);

// oxlint-disable-next-line typescript/no-extraneous-class -- a Nest module class is empty by design
class CoreModule {}
Module({
  imports: [
    OpenCxModule.forRoot({
      apiKey: process.env.OPENCX_API_KEY,
      baseUrl: process.env.UPSTREAM_URL,
      // As the bench runs the sample: no cache and no client-side limit, like the bare handler.
      cache: false,
      rateLimit: false,
    }),
  ],
  controllers: [CoreController],
  providers: [{ provide: SAMPLE_CONFIG, useValue: { apiKeys: [process.env.SERVICE_KEY] } }, ApiKeyGuard],
})(CoreModule);

const app = await NestFactory.create(CoreModule, { logger: false, bodyParser: false });
app.set('etag', false);
app.useBodyParser('json', { limit: '64kb' });
app.use(bodyParserErrors);
app.useGlobalPipes(new HardenedValidationPipe());
app.useGlobalFilters(new OpenCxExceptionFilter(app.get(HttpAdapterHost)));
await app.listen(0, '127.0.0.1');
process.send?.({ port: app.getHttpServer().address().port });
process.on('disconnect', () => process.exit(0));
