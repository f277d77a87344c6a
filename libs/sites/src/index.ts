export * from './chargers.repository';
export * from './dto/create-charger.dto';
export * from './dto/create-site.dto';
export * from './dto/update-site-group.dto';
export * from './events';
export * from './sites.module';
export * from './sites.repository';
export * from './views';
