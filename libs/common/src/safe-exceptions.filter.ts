import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  ConflictException,
  HttpException,
  HttpStatus,
  InternalServerErrorException,
  Logger,
} from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request } from 'express';
import { describeFailure, isConflict, isDataException, sqlStateOf, stackFramesOf } from './database-error';

/** An error of the body parser (`http-errors`): its status and a message safe to show, e.g. 413 or 415. */
interface ClientRequestError {
  status: number;
  expose: true;
  type?: string;
  limit?: number;
  message: string;
}

function isClientRequestError(error: unknown): error is ClientRequestError {
  if (typeof error !== 'object' || error === null) return false;
  const { status, expose } = error as Record<string, unknown>;
  return expose === true && typeof status === 'number' && status >= 400 && status < 500;
}

function describeClientRequestError(error: ClientRequestError): string {
  if (error.type === 'entity.too.large') {
    return `request body is larger than the limit of ${error.limit} bytes (HTTP_JSON_LIMIT_BYTES)`;
  }
  if (error.type === 'entity.parse.failed') return 'request body is not valid JSON';
  return error.message;
}

/**
 * Every failure of an HTTP request as a status and a message that give nothing away: a value the database
 * refuses is the client's 400, a collision with stored state a 409, the body parser's refusals keep their
 * 4xx. Anything else is a 500 whose log line names the error's class and SQLSTATE, never the query, its
 * parameters (token hashes among them) or the database's message quoting a value.
 */
@Catch()
export class SafeExceptionsFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('HttpExceptions');

  override catch(exception: unknown, host: ArgumentsHost): void {
    super.catch(this.toHttpException(exception, host), host);
  }

  private toHttpException(exception: unknown, host: ArgumentsHost): HttpException {
    if (exception instanceof HttpException) return exception;
    if (isClientRequestError(exception)) {
      return new HttpException(describeClientRequestError(exception), exception.status);
    }
    const sqlState = sqlStateOf(exception);
    if (isDataException(sqlState)) {
      return new BadRequestException('a value is out of range or not valid for where it is stored');
    }
    if (isConflict(sqlState)) {
      return new ConflictException(
        'the request conflicts with stored data (a duplicate or a missing reference)',
      );
    }
    this.logger.error(
      `${this.routeOf(host)} failed: ${describeFailure(exception)}`,
      stackFramesOf(exception),
    );
    return new InternalServerErrorException({
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      message: 'Internal server error',
    });
  }

  /** Method and path, without the query string, which may carry a secret. */
  private routeOf(host: ArgumentsHost): string {
    if (host.getType() !== 'http') return host.getType();
    const request = host.switchToHttp().getRequest<Request>();
    return `${request.method} ${(request.originalUrl ?? request.url ?? '').split('?', 1)[0]}`;
  }
}
