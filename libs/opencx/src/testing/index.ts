/** nestjs-opencx/testing: a fake OpenCX server for your tests (and the library's own). */
export {
  createOpenCxFakeServer,
  type OpenCxFakeServer,
  type OpenCxFakeServerOptions,
  type RecordedRequest,
  type FakeBehaviour,
} from './fake-server.js';
export { fakeContactId, signFakeToken } from './fake-token.js';
