import request from 'supertest';
import { startController, TestController } from './test-controller';

type Schema = { $ref?: string; type?: string; items?: Schema; properties?: Record<string, Schema> };
interface Operation {
  security?: object[];
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, object> };
  info: { title: string };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operations(document: OpenApiDocument): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]): [string, Operation] => [`${method.toUpperCase()} ${path}`, operation]),
  );
}

/** The schema behind a $ref (or an array's items), as a property list or a plain type. */
function resolve(document: OpenApiDocument, schema: Schema): Schema {
  if (schema.$ref) return document.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
  return schema.type === 'array' && schema.items ? resolve(document, schema.items) : schema;
}

/** What is wrong with an operation's success answer, or undefined when it is documented with a schema. */
function successProblem(document: OpenApiDocument, operation: Operation): string | undefined {
  const success = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
  if (success.length === 0) return 'no success response';
  for (const [status, response] of success) {
    if (status === '204') continue;
    const schemas = Object.values(response.content ?? {}).map((media) => media.schema);
    if (schemas.length === 0 || schemas.some((schema) => schema === undefined))
      return `${status} without a schema`;
    for (const schema of schemas) {
      const resolved = schema && resolve(document, schema);
      if (!resolved || (!resolved.type && !resolved.properties)) return `${status} with an empty schema`;
      if (
        resolved.type === 'object' &&
        resolved.properties &&
        Object.keys(resolved.properties).length === 0
      ) {
        return `${status} with an object schema without properties`;
      }
    }
  }
  return undefined;
}

function propertiesOf(document: OpenApiDocument, name: string): string[] {
  return Object.keys(document.components.schemas[name]?.properties ?? {});
}

describe('OpenAPI at /docs and /docs-oscp', () => {
  let controller: TestController;
  let admin: OpenApiDocument;
  let oscp: OpenApiDocument;

  beforeAll(async () => {
    controller = await startController();
    const server = controller.app.getHttpServer();
    admin = (await request(server).get('/docs-json').expect(200)).body;
    oscp = (await request(server).get('/docs-oscp-json').expect(200)).body;
  });
  afterAll(() => controller.app.close());

  it('describes the admin API with its key, and serves the page', async () => {
    const server = controller.app.getHttpServer();
    expect(admin.info.title).toBe('gridflex admin API');
    expect(admin.components.securitySchemes['admin-api-key']).toEqual({
      type: 'apiKey',
      name: 'X-API-Key',
      in: 'header',
    });
    expect(Object.keys(admin.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/sites',
        '/api/v1/sites/{id}/circuits',
        '/api/v1/sites/{id}/peak-shaving-rules',
        '/api/v1/sites/{id}/simulate',
        '/api/v1/sites/import',
        '/api/v1/sites/{id}/export',
        '/api/v1/sites/{id}/bookings',
        '/api/v1/sites/{id}/bookings/{bookingId}',
        '/api/v1/dso-peers',
        '/api/v1/chargers/{identity}/composite-schedule',
        '/health/ready',
        '/metrics',
      ]),
    );
    expect(Object.keys(admin.paths).some((path) => path.startsWith('/oscp'))).toBe(false);
    expect(Object.keys(admin.paths).some((path) => path.startsWith('/dashboard'))).toBe(false);
    expect((await request(server).get('/docs').expect(200)).text).toContain('swagger-ui');
  });

  it('describes the OSCP endpoints a DSO calls apart, with its token', () => {
    expect(Object.keys(oscp.paths)).toEqual(
      expect.arrayContaining([
        '/oscp/fp/2.0/register',
        '/oscp/fp/2.0/handshake',
        '/oscp/fp/2.0/heartbeat',
        '/oscp/fp/2.0/update_group_capacity_forecast',
      ]),
    );
    expect(Object.keys(oscp.paths).every((path) => path.startsWith('/oscp/'))).toBe(true);
    expect(oscp.components.securitySchemes['oscp-token']).toMatchObject({ name: 'Authorization' });
  });

  it('gives every operation a success response with a schema (204 has no body)', () => {
    const all = [...operations(admin), ...operations(oscp)];
    expect(all.length).toBeGreaterThan(40);
    const problems = all.flatMap(([name, operation]) => {
      const problem = successProblem(name.includes(' /oscp/') ? oscp : admin, operation);
      return problem ? [`${name}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it('documents the error answers with the error body', () => {
    const errorRef = { $ref: '#/components/schemas/ErrorView' };
    const sitePost = admin.paths['/api/v1/sites/{id}/chargers'].post.responses;
    for (const status of ['400', '401', '404', '409']) {
      expect(sitePost[status].content?.['application/json'].schema).toEqual(errorRef);
    }
    expect(oscp.paths['/oscp/fp/2.0/update_group_capacity_forecast'].post.responses['401']).toBeDefined();
    expect(propertiesOf(admin, 'ErrorView')).toEqual(['message', 'errors']);
  });

  it('names the properties of the key answers', () => {
    expect(
      admin.paths['/api/v1/sites/{id}'].get.responses['200'].content?.['application/json'].schema,
    ).toEqual({
      $ref: '#/components/schemas/SiteDetailViewDto',
    });
    expect(propertiesOf(admin, 'SiteDetailViewDto')).toEqual(
      expect.arrayContaining([
        'id',
        'gridLimitA',
        'totalLimitKw',
        'timeZone',
        'circuits',
        'chargers',
        'warnings',
      ]),
    );
    expect(propertiesOf(admin, 'ChargerViewDto')).toEqual(
      expect.arrayContaining(['identity', 'ocppVersion', 'phaseRotation', 'connectors', 'connected']),
    );
    expect(propertiesOf(admin, 'ConnectorViewDto')).toEqual(
      expect.arrayContaining(['connectorId', 'maxCurrentA', 'phases', 'minCurrentA', 'priority', 'status']),
    );
    expect(propertiesOf(admin, 'SitePlanViewDto')).toEqual(['siteId', 'groupId', 'warnings', 'connectors']);
    expect(propertiesOf(admin, 'BookingViewDto')).toEqual(
      expect.arrayContaining(['connectorId', 'arrivalFrom', 'arrivalUntil', 'departureAt', 'status']),
    );
    expect(propertiesOf(admin, 'ConnectorPlanViewDto')).toEqual(
      expect.arrayContaining(['periods', 'dispatch', 'verification']),
    );
    expect(propertiesOf(admin, 'SimulationViewDto')).toEqual(['siteId', 'at', 'connectors']);
    expect(propertiesOf(admin, 'DsoPeerDto')).toEqual(expect.arrayContaining(['registration', 'link']));
    expect(propertiesOf(admin, 'DsoPeerDto')).not.toContain('token');
    expect(admin.paths['/health/ready'].get.security).toEqual([]);
  });
});
