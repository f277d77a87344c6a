import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { PlanningModule } from '@gridflex/planning';
import { SchedulesModule } from '@gridflex/schedules';
import { SitesModule } from '@gridflex/sites';

/**
 * The site-model, schedules and planning admin API described at `/docs` (JSON at `/docs-json`); the key is
 * entered in the page, never served.
 */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('gridflex admin API')
    .setDescription(
      'CPO site model (sites, circuits, chargers, connectors), sessions, peak-shaving rules and tariffs, ' +
        'plans, what-if simulation, import and export. Every route needs the X-API-Key header.',
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', name: 'X-API-Key', in: 'header' }, 'admin-api-key')
    .addSecurityRequirements('admin-api-key')
    .build();
  const include = [SitesModule, SchedulesModule, PlanningModule];
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config, { include }));
}
