import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { mountDispatch, MountPaths } from '../src/app/mount-dispatch.js';

/** The mounts as one layer: matched as Express matches `app.use(path)`, url and baseUrl as Express sets them. */
describe('mountDispatch', () => {
  const seen = (name: string) => (req: express.Request, res: express.Response) => void res.json({ name, url: req.url, baseUrl: req.baseUrl, originalUrl: req.originalUrl });
  const app = express();
  app.use(
    mountDispatch([
      ['/sp1/volume', seen('sp1') as never],
      ['/volume', seen('volume') as never],
      ['/image', (_req: unknown, _res: unknown, next: () => void) => next()],
    ]),
  );
  app.use((req, res) => void res.status(404).json({ url: req.url, baseUrl: req.baseUrl }));

  it('gives the request to the first mount that starts its path, below it', async () => {
    expect((await request(app).get('/volume/v3/p/volumes?limit=1').expect(200)).body).to.deep.equal({ name: 'volume', url: '/v3/p/volumes?limit=1', baseUrl: '/volume', originalUrl: '/volume/v3/p/volumes?limit=1' });
    expect((await request(app).get('/sp1/volume/').expect(200)).body).to.include({ name: 'sp1', url: '/', baseUrl: '/sp1/volume' });
    expect((await request(app).get('/volume?x=1').expect(200)).body).to.include({ url: '/?x=1', baseUrl: '/volume' });
  });

  it('matches on a segment boundary, in any case', async () => {
    expect((await request(app).get('/VOLUME/v3').expect(200)).body).to.include({ name: 'volume', url: '/v3', baseUrl: '/VOLUME' });
    expect((await request(app).get('/volumes/v3').expect(404)).body).to.deep.equal({ url: '/volumes/v3', baseUrl: '' });
  });

  it('restores url and baseUrl when the mount passes the request on', async () => {
    expect((await request(app).get('/image/v2/images').expect(404)).body).to.deep.equal({ url: '/image/v2/images', baseUrl: '' });
  });

  it('names the mount a path is at as configured, as the request log labels it', () => {
    const paths = new MountPaths(['/sp1/volume', '/volume']);
    expect(paths.mountOf('/VOLUME/v3/p/volumes')).to.equal('/volume');
    expect(paths.mountOf('/sp1/volume')).to.equal('/sp1/volume');
    expect(paths.mountOf('/volumes')).to.equal(undefined);
  });
});
