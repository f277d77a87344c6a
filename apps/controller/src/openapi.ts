import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ObservabilityModule } from '@gridflex/observability';
import { OcppModule } from '@gridflex/ocpp';
import { OscpModule } from '@gridflex/oscp';
import { PlanningModule } from '@gridflex/planning';
import { SchedulesModule } from '@gridflex/schedules';
import { SitesModule } from '@gridflex/sites';

const OSCP_PREFIX = '/oscp/';
/** Probed and scraped without credentials. */
const PUBLIC_PREFIXES = ['/health/', '/metrics'];

/**
 * Two documents from the same routes: the admin API at `/docs` (JSON at `/docs-json`; the key is entered
 * in the page, never served) with health and metrics, and the OSCP 2.0 endpoints a DSO calls at
 * `/docs-oscp` (JSON at `/docs-oscp-json`), each with its own credentials.
 */
export function setupOpenApi(app: INestApplication): void {
  const admin = new DocumentBuilder()
    .setTitle('gridflex admin API')
    .setDescription(
      'CPO site model (sites, circuits, chargers, connectors), sessions and bookings, peak-shaving rules and ' +
        'tariffs, plans, what-if simulation, import and export, DSO peers, OCPP remote operations; health and ' +
        'metrics. Every route but health and metrics needs the X-API-Key header.',
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', name: 'X-API-Key', in: 'header' }, 'admin-api-key')
    .addSecurityRequirements('admin-api-key')
    .build();
  const oscp = new DocumentBuilder()
    .setTitle('gridflex OSCP 2.0 Flexibility Provider')
    .setDescription(
      'The endpoints a Capacity Provider (DSO) calls: register, handshake, heartbeat and capacity forecasts. ' +
        'Authorization: Token <token>, with an X-Request-ID per message.',
    )
    .setVersion('2.0')
    .addApiKey({ type: 'apiKey', name: 'Authorization', in: 'header' }, 'oscp-token')
    .build();
  const include = [SitesModule, SchedulesModule, PlanningModule, OscpModule, OcppModule, ObservabilityModule];
  SwaggerModule.setup('docs', app, () => adminPaths(SwaggerModule.createDocument(app, admin, { include })));
  SwaggerModule.setup('docs-oscp', app, () =>
    oscpPaths(SwaggerModule.createDocument(app, oscp, { include: [OscpModule] })),
  );
}

function adminPaths(document: OpenAPIObject): OpenAPIObject {
  const paths = Object.entries(document.paths).filter(([path]) => !path.startsWith(OSCP_PREFIX));
  for (const [path, item] of paths) {
    if (!PUBLIC_PREFIXES.some((prefix) => path.startsWith(prefix))) continue;
    if (item.get) item.get.security = [];
  }
  return { ...document, paths: Object.fromEntries(paths) };
}

function oscpPaths(document: OpenAPIObject): OpenAPIObject {
  const paths = Object.entries(document.paths).filter(([path]) => path.startsWith(OSCP_PREFIX));
  return { ...document, paths: Object.fromEntries(paths) };
}
