export * from './safety-world';
export * from './accepted-profiles';
export * from './dso-limits';
export * from './grid-safety-checker';
export * from './transformer-lines';
