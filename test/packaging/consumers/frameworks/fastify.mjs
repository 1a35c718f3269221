// keystoneAuth and k2kForward in a Fastify app through @fastify/express, installed from the
// packed tarballs: one request crosses to sp1 of the simulated federation.
import Fastify from 'fastify';
import fastifyExpress from '@fastify/express';
import { crossToSp1 } from './cross.mjs';

await crossToSp1(async ({ auth, forward }) => {
  const app = Fastify();
  await app.register(fastifyExpress);
  app.use(auth);
  app.use('/volume', forward);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: app.server.address().port, close: () => app.close() };
});
