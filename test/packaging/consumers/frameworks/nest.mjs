// keystoneAuth and k2kForward in a NestJS app (its default Express adapter), installed from the
// packed tarballs: one request crosses to sp1 of the simulated federation.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { crossToSp1 } from './cross.mjs';

class AppModule {}
Module({})(AppModule); // @Module({}) without a decorator compiler

await crossToSp1(async ({ auth, forward }) => {
  const app = await NestFactory.create(AppModule, { logger: false });
  app.use(auth);
  app.use('/volume', forward);
  await app.listen(0, '127.0.0.1');
  return { port: app.getHttpServer().address().port, close: () => app.close() };
});
