export * from './charging-profiles.processor';
export * from './dispatch.constants';
export * from './dispatch.module';
export * from './dispatch-queues.service';
export * from './events';
export * from './profile-dispatch.service';
