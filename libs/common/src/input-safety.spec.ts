import { BadRequestException } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { findUnsafeInput, InputSafetyGuard, MAX_INPUT_DEPTH } from './input-safety';

function nestedArrays(depth: number): unknown {
  return JSON.parse('['.repeat(depth) + ']'.repeat(depth));
}

describe(findUnsafeInput.name, () => {
  it('accepts ordinary input', () => {
    expect(findUnsafeInput({ name: 'Depot', connectors: [{ connectorId: 1 }] }, '')).toBeUndefined();
    expect(findUnsafeInput(nestedArrays(MAX_INPUT_DEPTH), '')).toBeUndefined();
  });

  it('finds NUL bytes in values and keys, naming the field', () => {
    expect(findUnsafeInput({ name: 'a\u0000b' }, '')).toEqual({ problem: 'nul', field: 'name' });
    expect(findUnsafeInput({ options: { paths: ['ok', 'x\u0000'] } }, '')).toEqual({
      problem: 'nul',
      field: 'options.paths[1]',
    });
    expect(findUnsafeInput({ headers: { 'a\u0000': 'v' } }, '')).toEqual({
      problem: 'nul',
      field: 'headers.a\u0000',
    });
    expect(findUnsafeInput('x\u0000', 'identity')).toEqual({ problem: 'nul', field: 'identity' });
  });

  it('refuses nesting one level deeper than the limit', () => {
    expect(findUnsafeInput(nestedArrays(MAX_INPUT_DEPTH + 1), '')?.problem).toBe('depth');
  });

  it('walks 40,000 levels without overflowing the stack', () => {
    expect(findUnsafeInput(nestedArrays(40_000), '')?.problem).toBe('depth');
  });
});

describe(InputSafetyGuard.name, () => {
  const guard = new InputSafetyGuard();
  const check = (request: object) => guard.canActivate(new ExecutionContextHost([request, {}, () => {}]));

  it('lets safe requests through', () => {
    expect(check({ params: { id: '7' }, query: { page: '1' }, body: { name: 'Depot' } })).toBe(true);
  });

  it('refuses with a 400 naming the route parameter, query parameter or body field', () => {
    expect(() => check({ params: { identity: 'CP\u00001' }, query: {}, body: {} })).toThrow(
      new BadRequestException('identity must not contain NUL (\\u0000) characters'),
    );
    expect(() => check({ params: {}, query: { since: '\u0000' }, body: undefined })).toThrow(
      'since must not contain NUL (\\u0000) characters',
    );
    expect(() => check({ params: {}, query: {}, body: { group_id: 'g\u0000' } })).toThrow(
      'group_id must not contain NUL (\\u0000) characters',
    );
    expect(() => check({ params: {}, query: {}, body: nestedArrays(40_000) })).toThrow(
      'body is nested too deeply (at most 32 levels of objects and arrays)',
    );
  });
});
