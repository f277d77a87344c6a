import request from 'supertest';
import { startController, TestController } from './test-controller';

describe('OpenAPI at /docs', () => {
  let controller: TestController;

  beforeAll(async () => {
    controller = await startController();
  });
  afterAll(() => controller.app.close());

  it('describes the admin API with its key, and serves the page', async () => {
    const server = controller.app.getHttpServer();
    const document = (await request(server).get('/docs-json').expect(200)).body;
    expect(document.info.title).toBe('gridflex admin API');
    expect(document.components.securitySchemes['admin-api-key']).toEqual({
      type: 'apiKey',
      name: 'X-API-Key',
      in: 'header',
    });
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/sites',
        '/api/v1/sites/{id}/circuits',
        '/api/v1/sites/{id}/peak-shaving-rules',
        '/api/v1/sites/{id}/simulate',
        '/api/v1/sites/import',
        '/api/v1/sites/{id}/export',
      ]),
    );
    expect(Object.keys(document.paths).some((path) => path.startsWith('/oscp'))).toBe(false);
    expect((await request(server).get('/docs').expect(200)).text).toContain('swagger-ui');
  });
});
