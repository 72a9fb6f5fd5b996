/**
 * nestjs-opencx/testing: a drop-in mock of `ContactAuthService` for unit tests, a fake OpenCX
 * server for tests that should exercise the real client over HTTP (the library's own do), and the
 * contract suite a custom fleet store must pass.
 */
export { createOpenCxFakeServer } from './fake-server.js';
export type { OpenCxFakeServer, FakeScript, RecordedRequest, FakeBehaviour } from './fake-server.interface.js';
export type { OpenCxFakeServerOptions, FakeRequestEvent } from './fake-server.options.js';
export type { FakeRoute } from './fake-routes.js';
export type { FakeContact, FakeContactInit } from './fake-contacts.js';
export { fakeContactId, fakeOrgId, signFakeToken, type FakeMcpAccess } from './fake-token.js';
export {
  ContactAuthServiceMock,
  type ContactAuthMockOptions,
  type ContactAuthMockCall,
  type OpenCxMockAnswer,
  type OpenCxMockResponse,
} from './contact-auth.mock.js';
export { OpenCxTestingModule, type OpenCxTestingModuleOptions } from './opencx-testing.module.js';
export { createOpenCxApiError, type OpenCxApiErrorInit } from '../errors/opencx.errors.js';
export {
  runFleetStoreContract,
  type FleetStoreContractSubject,
  type FleetStoreContractRunner,
} from './fleet-store.contract.js';
