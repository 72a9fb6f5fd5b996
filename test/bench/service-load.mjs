// Drives ContactAuthService against UPSTREAM_URL for CALLS calls at CONCURRENCY; used by the
// benchmark under --cpu-prof to show where the client's time goes.
import { NestFactory } from '@nestjs/core';
import { ContactAuthService, OpenCxModule } from 'nestjs-opencx';

const calls = Number(process.env.CALLS ?? 50_000);
const concurrency = Number(process.env.CONCURRENCY ?? 64);
const app = await NestFactory.createApplicationContext(
  OpenCxModule.forRoot({ apiKey: 'bench-key', baseUrl: process.env.UPSTREAM_URL, cache: false, rateLimit: false }),
  { logger: false },
);
const service = app.get(ContactAuthService);
const payload = { email: 'bench@example.com', name: 'Bench User', language: 'en' };
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    // A different user per call: identical concurrent calls would share one request (single-flight).
    while (next++ < calls) await service.authenticateUser({ ...payload, email: `load-${next}@example.com` });
  }),
);
await app.close();
