export * from './dispatch.constants';
export * from './dispatch.module';
export * from './profile-dispatch.service';
