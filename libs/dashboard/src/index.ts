export * from './dashboard.constants';
export * from './dashboard.module';
export * from './dashboard.service';
export * from './dashboard.views';
export * from './dashboard-session';
export * from './dashboard-sessions.repository';
