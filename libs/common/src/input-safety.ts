import { BadRequestException, CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';

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

export function describeUnsafeInput(unsafe: UnsafeInput, where: string): string {
  return unsafe.problem === 'nul'
    ? `${unsafe.field || where} must not contain NUL (\\u0000) characters`
    : `${where} is nested too deeply (at most ${MAX_INPUT_DEPTH} levels of objects and arrays)`;
}

/** The parts of a request a handler may read, each named as a client would name its fields. */
function requestParts(request: Request): [where: string, value: unknown, field: string][] {
  const named = (where: string, values: Record<string, unknown> | undefined) =>
    Object.entries(values ?? {}).map(([name, value]): [string, unknown, string] => [where, value, name]);
  return [
    ...named('parameter', request.params),
    ...named('query', request.query),
    ['body', request.body, ''],
  ];
}

/**
 * Runs before any guard or pipe of a controller, so before validation: NUL bytes, which PostgreSQL refuses in
 * text, and nesting deep enough to overflow the validators' recursion become a 400 naming the field rather
 * than a 500. It looks at every route parameter, query parameter and the body, read or not by the handler.
 */
@Injectable()
export class InputSafetyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    for (const [where, value, field] of requestParts(context.switchToHttp().getRequest<Request>())) {
      const unsafe = findUnsafeInput(value, field);
      if (unsafe) throw new BadRequestException(describeUnsafeInput(unsafe, where));
    }
    return true;
  }
}
