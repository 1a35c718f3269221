import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { startFederation, type Federation } from '@k2k/testing';
import { keystoneAuth } from '../src/index.js';

describe("keystoneAuth's service user from the OpenStack environment", () => {
  it('names what is missing', () => {
    expect(() => keystoneAuth({ authUrl: 'http://ks:5000/v3' })).to.throw(/^keystoneAuth\.serviceAuth: give authUrl and serviceAuth together, or neither/);
    expect(() => keystoneAuth({ serviceAuth: { username: 'u', password: 'p', projectName: 'service' } })).to.throw(/^keystoneAuth\.authUrl: give authUrl and serviceAuth together/);
  });

  describe('keystoneAuth() configured by the environment alone', () => {
    let federation: Federation;
    const saved = { ...process.env };

    before(async () => (federation = await startFederation()));
    after(async () => {
      process.env = saved;
      await federation.close();
    });

    it('validates tokens, and leaves its Keystone URL, store and logger on the request for the middlewares after it', async () => {
      const { env } = federation;
      Object.assign(process.env, { OS_AUTH_URL: env.idpAuthUrl, OS_USERNAME: env.serviceUser, OS_PASSWORD: env.servicePassword, OS_PROJECT_NAME: env.serviceProject });
      delete process.env.OS_CLOUD;
      const auth = keystoneAuth({});
      const app = express();
      app.use(auth);
      app.get('/', (req, res) => void res.json({ authUrl: req.keystoneContext?.authUrl, hasStore: typeof req.keystoneContext?.store === 'object', user: req.keystone?.user.name }));
      try {
        const token = federation.idp.issueToken(env.user, env.idpProject);
        const answer = await request(app).get('/').set('x-auth-token', token).expect(200);
        expect(answer.body).to.deep.equal({ authUrl: env.idpAuthUrl, hasStore: true, user: env.user });
      } finally {
        await auth.close();
      }
    });
  });
});
