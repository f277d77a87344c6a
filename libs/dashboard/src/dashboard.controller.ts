import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { join } from 'node:path';
import { ADMIN_API_KEY, constantTimeEquals, createValidationPipe } from '@gridflex/common';
import { DashboardAuthGuard } from './dashboard-auth.guard';
import { sessionCookie, sessionToken } from './dashboard-session';
import { DashboardService } from './dashboard.service';
import type { DashboardSnapshot } from './dashboard.views';
import { DashboardSessionDto } from './dto/dashboard-session.dto';

const STATIC_DIR = join(__dirname, '..', 'static');
const SESSION_MAX_AGE_S = 12 * 3600;

/** The files the page loads: our own, and uPlot's build as published (no front-end build step). */
const ASSETS: Record<string, { path: string; type: string }> = {
  'dashboard.js': { path: join(STATIC_DIR, 'dashboard.js'), type: 'text/javascript' },
  'dashboard.css': { path: join(STATIC_DIR, 'dashboard.css'), type: 'text/css' },
  'uPlot.iife.min.js': { path: require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript' },
  'uPlot.min.css': { path: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css' },
};

/**
 * The operations dashboard. The page itself holds no data and is public; it signs in once with the admin
 * key (from the URL fragment, which browsers never send, or a form) and then reads the snapshot with an
 * HttpOnly cookie.
 */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  constructor(
    private readonly dashboard: DashboardService,
    @Inject(ADMIN_API_KEY) private readonly apiKey: string,
  ) {}

  @Get()
  @Header(
    'Content-Security-Policy',
    "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  )
  @Header('Cache-Control', 'no-cache')
  page(@Res() response: Response): void {
    response.type('html').sendFile(join(STATIC_DIR, 'index.html'));
  }

  @Get('assets/:name')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('name') name: string, @Res() response: Response): void {
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) throw new NotFoundException(`No dashboard asset ${name}`);
    response.type(asset.type).sendFile(asset.path);
  }

  /** Exchanges the admin key for the session cookie. */
  @Post('session')
  @HttpCode(204)
  @UsePipes(createValidationPipe({ forbidUnknown: true }))
  signIn(
    @Body() body: DashboardSessionDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): void {
    if (!constantTimeEquals(body.key, this.apiKey)) throw new UnauthorizedException('Invalid admin key');
    response.setHeader(
      'Set-Cookie',
      sessionCookie(sessionToken(this.apiKey), request.secure, SESSION_MAX_AGE_S),
    );
  }

  @Delete('session')
  @HttpCode(204)
  signOut(@Req() request: Request, @Res({ passthrough: true }) response: Response): void {
    response.setHeader('Set-Cookie', sessionCookie('', request.secure, 0));
  }

  @Get('api/snapshot')
  @UseGuards(DashboardAuthGuard)
  @Header('Cache-Control', 'no-store')
  snapshot(): Promise<DashboardSnapshot> {
    return this.dashboard.snapshot();
  }
}
