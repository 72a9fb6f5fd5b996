// `npm run demo` (after `npm run build`): the sample app against the bundled fake OpenCX server.
// Prints the Swagger URL, a service API key, an end-user JWT and two ready curl commands.
// Ctrl-C stops both cleanly.
import { randomBytes } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { createOpenCxFakeServer } from 'nestjs-opencx/testing';
import { createApp } from '../dist/apps/sample/app.factory.js';

const orgKey = `demo_org_${randomBytes(8).toString('hex')}`;
const serviceKey = `demo_service_${randomBytes(12).toString('hex')}`;
const jwtSecret = randomBytes(32).toString('hex');
const port = process.env.PORT ?? '3000';

const fake = await createOpenCxFakeServer({ apiKey: orgKey });
const { app } = await createApp({
  env: {
    OPENCX_API_KEY: orgKey,
    OPENCX_BASE_URL: fake.url,
    SAMPLE_API_KEYS: serviceKey,
    JWT_SECRET: jwtSecret,
    JWT_ISSUER: 'https://id.demo.test',
    JWT_AUDIENCE: 'nestjs-opencx-demo',
    PORT: port,
    HOST: '127.0.0.1',
    LOG_FORMAT: process.env.LOG_FORMAT ?? 'text',
  },
});
try {
  await app.listen(Number(port), '127.0.0.1');
} catch (error) {
  await app.close();
  await fake.close();
  if (error?.code !== 'EADDRINUSE') throw error;
  console.error(`Port ${port} is in use. Run the demo on another one: PORT=3001 npm run demo`);
  process.exit(1);
}
const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
const userJwt = new JwtService({ secret: jwtSecret }).sign(
  { sub: 'demo-user-1', email: 'jane.doe@example.com', email_verified: true, name: 'Jane Doe' },
  { expiresIn: '12h', issuer: 'https://id.demo.test', audience: 'nestjs-opencx-demo' },
);

console.log(`
nestjs-opencx demo: the sample app against a fake OpenCX at ${fake.url}

Swagger UI: ${base}/docs
API key: ${serviceKey}
User JWT: ${userJwt}

Service-to-service (x-api-key):
curl -s -X POST ${base}/v1/contacts/authenticate -H 'content-type: application/json' -H 'x-api-key: ${serviceKey}' -d '{"email":"john.doe@example.com","name":"John Doe","language":"en"}'

End user (Bearer JWT; identity comes from the token):
curl -s -X POST ${base}/v1/me/opencx-token -H 'content-type: application/json' -H 'authorization: Bearer ${userJwt}' -d '{"language":"fr"}'

Press Ctrl-C to stop.
`);

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the sample app and the fake OpenCX server`);
  await app.close();
  await fake.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
