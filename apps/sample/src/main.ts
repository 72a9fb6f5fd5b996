import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';

try {
  const { app, config } = await createApp();
  await app.listen(config.port, config.host);
  new Logger('Bootstrap').log(`Listening on ${await app.getUrl()}; Swagger UI at /docs`);
} catch (error) {
  // A configuration problem is the operator's to fix: say what, without a stack trace.
  console.error(`Start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
