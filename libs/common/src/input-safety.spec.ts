import { BadRequestException } from '@nestjs/common';
import { findUnsafeInput, InputSafetyPipe, MAX_INPUT_DEPTH } from './input-safety';

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

describe(InputSafetyPipe.name, () => {
  const pipe = new InputSafetyPipe();

  it('passes safe values through unchanged', () => {
    const body = { name: 'Depot' };
    expect(pipe.transform(body, { type: 'body' })).toBe(body);
  });

  it('refuses with a 400 naming the parameter or field', () => {
    expect(() => pipe.transform('CP\u00001', { type: 'param', data: 'identity' })).toThrow(
      new BadRequestException('identity must not contain NUL (\\u0000) characters'),
    );
    expect(() => pipe.transform({ group_id: 'g\u0000' }, { type: 'body' })).toThrow(
      'group_id must not contain NUL (\\u0000) characters',
    );
    expect(() => pipe.transform(nestedArrays(40_000), { type: 'body' })).toThrow(/body is nested too deeply/);
  });

  it('leaves custom parameters (the raw body, the actor) to their own decorators', () => {
    expect(pipe.transform('x\u0000', { type: 'custom' })).toBe('x\u0000');
  });
});
