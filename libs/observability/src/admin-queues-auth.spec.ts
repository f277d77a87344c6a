import express from 'express';
import request from 'supertest';
import { adminQueuesAuth, basicPassword } from './admin-queues-auth';

const KEY = 'an-admin-key-of-some-length';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('adminQueuesAuth', () => {
  const app = express();
  app.use('/admin/queues', adminQueuesAuth(KEY), (_request, response) => {
    response.send('dashboard');
  });

  it('asks a browser for Basic credentials when none are given', async () => {
    const response = await request(app).get('/admin/queues').expect(401);
    expect(response.headers['www-authenticate']).toBe('Basic realm="gridflex"');
    expect(response.body.message).toMatch(/admin key/);
  });

  it('takes the key as Basic password, whatever the user name, or as X-API-Key', async () => {
    await request(app)
      .get('/admin/queues')
      .set('Authorization', basic(`operator:${KEY}`))
      .expect(200, 'dashboard');
    await request(app)
      .get('/admin/queues/api/queues')
      .set('Authorization', basic(`:${KEY}`))
      .expect(200);
    await request(app).get('/admin/queues').set('X-API-Key', KEY).expect(200);
  });

  it('refuses another password, the key as user name, and other schemes', async () => {
    await request(app).get('/admin/queues').set('Authorization', basic('operator:wrong')).expect(401);
    await request(app)
      .get('/admin/queues')
      .set('Authorization', basic(`${KEY}:`))
      .expect(401);
    await request(app).get('/admin/queues').set('Authorization', `Bearer ${KEY}`).expect(401);
    await request(app).get('/admin/queues').set('X-API-Key', 'wrong').expect(401);
  });
});

describe('basicPassword', () => {
  it('reads the password, which may contain colons', () => {
    expect(basicPassword(basic('user:pa:ss'))).toBe('pa:ss');
    expect(basicPassword(`basic ${Buffer.from('u:p').toString('base64')}`)).toBe('p');
  });

  it('is undefined for a missing, malformed or colon-less header', () => {
    expect(basicPassword(undefined)).toBeUndefined();
    expect(basicPassword('Basic !!!')).toBeUndefined();
    expect(basicPassword(basic('no-colon'))).toBeUndefined();
  });
});
