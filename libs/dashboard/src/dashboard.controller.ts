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
import {
  ADMIN_API_KEY,
  adminKeyThrottleKey,
  AuthThrottleService,
  constantTimeEquals,
  createValidationPipe,
} from '@gridflex/common';
import { DashboardAuthGuard } from './dashboard-auth.guard';
import { sessionCookie, sessionCookieValue } from './dashboard-session';
import { DashboardSessionsRepository } from './dashboard-sessions.repository';
import { DashboardService } from './dashboard.service';
import type { DashboardSnapshot } from './dashboard.views';
import { DashboardSessionDto } from './dto/dashboard-session.dto';

const STATIC_DIR = join(__dirname, '..', 'static');

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
 * HttpOnly cookie naming a server-side session, which signing out ends.
 */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly sessions: DashboardSessionsRepository,
    private readonly throttle: AuthThrottleService,
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

  /** Exchanges the admin key for the cookie of a new session; guesses are throttled like the admin API's. */
  @Post('session')
  @HttpCode(204)
  @UsePipes(createValidationPipe({ forbidUnknown: true }))
  async signIn(
    @Body() body: DashboardSessionDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    const key = adminKeyThrottleKey(this.throttle.addressOf(request));
    this.throttle.assertNotBlocked(key, response);
    if (!constantTimeEquals(body.key, this.apiKey)) {
      this.throttle.recordFailure(key, 'invalid admin key at dashboard sign-in');
      throw new UnauthorizedException('Invalid admin key');
    }
    const id = await this.sessions.create();
    response.setHeader('Set-Cookie', sessionCookie(id, request.secure, this.sessions.ttlS));
  }

  /** Ends the session for good: its cookie, even if kept, no longer signs in. */
  @Delete('session')
  @HttpCode(204)
  async signOut(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const id = sessionCookieValue(request);
    if (id) await this.sessions.end(id);
    response.setHeader('Set-Cookie', sessionCookie('', request.secure, 0));
  }

  @Get('api/snapshot')
  @UseGuards(DashboardAuthGuard)
  @Header('Cache-Control', 'no-store')
  snapshot(): Promise<DashboardSnapshot> {
    return this.dashboard.snapshot();
  }
}
