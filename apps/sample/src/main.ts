import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';

try {
  const { app, config } = await createApp();
  await app.listen(config.port, config.host);
  const docs = config.apiDocs ? '; Swagger UI at /docs' : '';
  new Logger('Bootstrap').log(`Listening on ${await app.getUrl()}${docs}`);
} catch (error) {
  // A configuration problem is the operator's to fix: say what, without a stack trace.
  const busy = (error as { code?: unknown } | null)?.code === 'EADDRINUSE';
  const message = busy
    ? 'the port is in use: set PORT to a free one'
    : error instanceof Error
      ? error.message
      : String(error);
  console.error(`Start-up failed: ${message}`);
  process.exit(1);
}
