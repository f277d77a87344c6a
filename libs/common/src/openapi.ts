import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

export class FieldErrorView {
  /** `a.b[0].c`-style path of the refused property. */
  @ApiProperty({ example: 'gridLimitA.l1' })
  field!: string;

  @ApiProperty({ type: [String] })
  messages!: string[];
}

/** Every error answer: one readable message, and per field what was refused when the input was invalid. */
export class ErrorView {
  @ApiProperty({ example: 'gridLimitA.l1: l1 must not be less than 0' })
  message!: string;

  @ApiPropertyOptional({ type: [FieldErrorView] })
  errors?: FieldErrorView[];
}

export type DocumentedErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 502 | 503 | 504;

const ERROR_DESCRIPTIONS: Record<DocumentedErrorStatus, string> = {
  400: 'Invalid input, refused with the fields at fault; nothing was changed',
  401: 'Missing or wrong credentials',
  403: 'The credentials do not allow this (for a DSO: a group it is not bound to); nothing was changed',
  404: 'The resource (or one it belongs to) does not exist',
  409: 'Conflicts with the stored state (a duplicate, or a step that must come first)',
  413: 'Larger than the configured bounds allow (e.g. more forecast blocks); nothing was changed',
  502: 'The charger answered with an error',
  503: 'A service this needs (Redis, the database) is unavailable; nothing was changed',
  504: 'The charger did not answer in time',
};

/** Documents the error answers a route can give, all with the `ErrorView` body. */
export function ApiErrors(...statuses: DocumentedErrorStatus[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: ERROR_DESCRIPTIONS[status], type: ErrorView }),
    ),
  );
}
