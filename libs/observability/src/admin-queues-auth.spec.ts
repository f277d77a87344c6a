import express from 'express';
import request from 'supertest';
import { validateEnvironment } from '@gridflex/config';
import { AuthThrottleService } from '@gridflex/common';
import { adminQueuesAuth, basicPassword } from './admin-queues-auth';

const KEY = 'an-admin-key-of-some-length';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('adminQueuesAuth', () => {
  const app = express();
  const throttle = new AuthThrottleService(validateEnvironment({ AUTH_MAX_FAILURES: '100' }));
  app.use('/admin/queues', adminQueuesAuth(KEY, throttle), (_request, response) => {
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

  it('refuses an address that guessed too often with 429 and Retry-After, even with the key', async () => {
    const guarded = express();
    const strict = new AuthThrottleService(validateEnvironment({ AUTH_MAX_FAILURES: '2' }));
    guarded.use('/admin/queues', adminQueuesAuth(KEY, strict), (_request, response) => {
      response.send('dashboard');
    });
    await request(guarded).get('/admin/queues').expect(401);
    for (const guess of ['wrong-1', 'wrong-2']) {
      await request(guarded).get('/admin/queues').set('X-API-Key', guess).expect(401);
    }
    const refused = await request(guarded).get('/admin/queues').set('X-API-Key', KEY).expect(429);
    expect(refused.headers['retry-after']).toBe('60');
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
