import { applyDecorators, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { IsObject, ValidateNested } from 'class-validator';

export interface FieldError {
  field: string;
  messages: string[];
}

/** Flattens nested class-validator errors into `a.b[0].c`-style field paths. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** `field: message` lines joined, for APIs whose error body is a single `{ message }` string. */
export function describeFieldErrors(fields: FieldError[]): string {
  return fields.map((f) => `${f.field}: ${f.messages.join(', ')}`).join('; ');
}

export interface ValidationPipeOptions {
  /** Refuse properties the DTO does not declare (admin API) rather than drop them (partner APIs). */
  forbidUnknown: boolean;
}

/**
 * 400 with `{ message, errors: [{ field, messages }] }` for any invalid body, query or parameter.
 * `message` is one readable string so that OSCP peers, whose Error schema is `{ message }`, get it too.
 */
export function createValidationPipe({ forbidUnknown }: ValidationPipeOptions): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: forbidUnknown,
    exceptionFactory: (errors) => {
      const fields = flattenValidationErrors(errors);
      return new BadRequestException({ message: describeFieldErrors(fields), errors: fields });
    },
  });
}

/**
 * `@ValidateNested({ each: true })` for an array of objects that also refuses elements which are not objects:
 * class-validator alone walks into an inner array and finds nothing to check there, so `[[]]` passed and reached
 * the code as if it were an object.
 */
export function ValidateNestedObjects(): PropertyDecorator {
  return applyDecorators(
    IsObject({ each: true, message: ({ property }) => `each of ${property} must be an object` }),
    ValidateNested({ each: true }),
  );
}
