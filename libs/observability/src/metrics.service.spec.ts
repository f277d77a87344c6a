import { scopeKind } from './metrics.service';

describe('scopeKind', () => {
  it('is the part of a planning scope before the colon', () => {
    expect(scopeKind('group:g1')).toBe('group');
    expect(scopeKind('site:6f1c1b0e-8a8e-4a55-9b8c-2a8f0e0d8d11')).toBe('site');
    expect(scopeKind('group:a:b')).toBe('group');
  });

  it('is the whole scope when it names no kind', () => {
    expect(scopeKind('all')).toBe('all');
  });
});
