// `npm run demo`: starts the bundled fake OpenCX server, authenticates one user through
// ContactAuthService exactly as an application would, and prints the result.
import { NestFactory } from '@nestjs/core';
import { ContactAuthService, OpenCxModule } from 'nestjs-opencx';
import { createOpenCxFakeServer } from 'nestjs-opencx/testing';

const apiKey = 'demo_org_api_key';
const fake = await createOpenCxFakeServer({ apiKey });
const app = await NestFactory.createApplicationContext(OpenCxModule.forRoot({ apiKey, baseUrl: fake.url }), {
  logger: ['error', 'warn'],
});
try {
  const auth = app.get(ContactAuthService);
  const result = await auth.authenticateUser({ email: 'john.doe@example.com', name: 'John Doe', language: 'en' });
  console.log(`Fake OpenCX server: ${fake.url}`);
  console.log('authenticateUser answered:');
  console.log(JSON.stringify(result, null, 2));
  console.log('Pass `token` to the OpenCX chat widget as `user.token`.');
} finally {
  await app.close();
  await fake.close();
}
