export * from './model';
export { allocateEqualShare } from './equal-share';
