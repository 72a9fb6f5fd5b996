// One small app, started in a fresh process by the start-up measure: APP=opencx registers
// OpenCxModule.forRoot; APP=by-hand registers @nestjs/axios's HttpModule and a DTO of its own.
// Both carry a DTO with class-validator and @nestjs/swagger decorators. Prints "ready <ms>".
// Loaded for its side effect, as every Nest app's entry point does.
// oxlint-disable-next-line import/no-unassigned-import
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

let imports;
if (process.env.APP === 'opencx') {
  const { AuthenticateUserDto, OpenCxModule } = await import('nestjs-opencx');
  void AuthenticateUserDto;
  imports = [OpenCxModule.forRoot({ apiKey: 'bench-key', baseUrl: 'http://127.0.0.1:9' })];
} else {
  const { HttpModule } = await import('@nestjs/axios');
  const { ApiProperty } = await import('@nestjs/swagger');
  const { IsEmail, IsOptional, IsString } = await import('class-validator');
  // A DTO as a user declares one; plain JavaScript applies the decorators by hand.
  // oxlint-disable-next-line typescript/no-extraneous-class
  class TokenRequestDto {}
  ApiProperty({ description: 'email' })(TokenRequestDto.prototype, 'email');
  IsEmail()(TokenRequestDto.prototype, 'email');
  ApiProperty({ description: 'name', required: false })(TokenRequestDto.prototype, 'name');
  IsOptional()(TokenRequestDto.prototype, 'name');
  IsString()(TokenRequestDto.prototype, 'name');
  imports = [HttpModule.register({ baseURL: 'http://127.0.0.1:9' })];
}
// oxlint-disable-next-line typescript/no-extraneous-class
class AppModule {}
Module({ imports })(AppModule);
const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
await app.init();
console.log(`ready ${performance.now()}`);
await app.close();
