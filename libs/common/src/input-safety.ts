import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Deeper than any of our documents; class-transformer and class-validator recurse once per level. */
export const MAX_INPUT_DEPTH = 32;

export type UnsafeInput = { problem: 'depth'; field: string } | { problem: 'nul'; field: string };

interface Pending {
  value: unknown;
  field: string;
  depth: number;
}

function childField(parent: string, key: string, inArray: boolean): string {
  if (inArray) return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/**
 * The first string or key holding a NUL byte, or the first place nested deeper than `maxDepth`; `undefined`
 * when there is none. Walks with an explicit stack, because the inputs it guards against are the ones that
 * overflow recursion.
 */
export function findUnsafeInput(
  value: unknown,
  field: string,
  maxDepth = MAX_INPUT_DEPTH,
): UnsafeInput | undefined {
  const pending: Pending[] = [{ value, field, depth: 0 }];
  while (pending.length > 0) {
    const current = pending.pop() as Pending;
    if (typeof current.value === 'string') {
      if (current.value.includes('\u0000')) return { problem: 'nul', field: current.field };
      continue;
    }
    if (typeof current.value !== 'object' || current.value === null) continue;
    const depth = current.depth + 1;
    if (depth > maxDepth) return { problem: 'depth', field: current.field };
    const inArray = Array.isArray(current.value);
    for (const [key, child] of Object.entries(current.value)) {
      const nested = childField(current.field, key, inArray);
      if (key.includes('\u0000')) return { problem: 'nul', field: nested };
      pending.push({ value: child, field: nested, depth });
    }
  }
  return undefined;
}

/** `body`, `id`, `body.name` (the field as a client would name it). */
function fieldName(metadata: ArgumentMetadata): string {
  if (metadata.type === 'body') return metadata.data ?? '';
  return metadata.data ?? metadata.type;
}

export function describeUnsafeInput(unsafe: UnsafeInput, where: string): string {
  return unsafe.problem === 'nul'
    ? `${unsafe.field || where} must not contain NUL (\\u0000) characters`
    : `${where} is nested too deeply (at most ${MAX_INPUT_DEPTH} levels of objects and arrays)`;
}

/**
 * Runs before any validation pipe (it is global, they are per controller): NUL bytes, which PostgreSQL
 * refuses in text, and nesting deep enough to overflow the validators' recursion become a 400 naming the
 * field rather than a 500.
 */
@Injectable()
export class InputSafetyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const unsafe = findUnsafeInput(value, fieldName(metadata));
    if (unsafe) throw new BadRequestException(describeUnsafeInput(unsafe, metadata.type));
    return value;
  }
}
