import {
  createParamDecorator,
  Global,
  Injectable,
  Module,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { TokenVerifier, verifierSettingsFromEnv, type AnyCaller, type Caller } from '@carelog/auth';
import type { Request } from 'express';

type RequestWithCaller = Request & { caller?: Caller; anyCaller?: AnyCaller };

/** Every route behind this guard needs a verified bearer token; the caller comes only from it. */
@Injectable()
export class CallerGuard implements CanActivate {
  constructor(private readonly verifier: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    request.caller = await this.verifier.verify(request.headers.authorization);
    return true;
  }
}

/**
 * For routes a source system may call too (recording entries): the caller is a person or a
 * connected source system, verified by the same code path.
 */
@Injectable()
export class AnyCallerGuard implements CanActivate {
  constructor(private readonly verifier: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    request.anyCaller = await this.verifier.verifyAny(request.headers.authorization);
    return true;
  }
}

export const CurrentAnyCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AnyCaller => {
    const caller = context.switchToHttp().getRequest<RequestWithCaller>().anyCaller;
    if (!caller) throw new Error('CurrentAnyCaller used on a route without AnyCallerGuard');
    return caller;
  },
);

export const CurrentCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Caller => {
    const caller = context.switchToHttp().getRequest<RequestWithCaller>().caller;
    if (!caller) throw new Error('CurrentCaller used on a route without CallerGuard');
    return caller;
  },
);

@Global()
@Module({
  providers: [
    {
      provide: TokenVerifier,
      useFactory: async () => new TokenVerifier(await verifierSettingsFromEnv()),
    },
    CallerGuard,
    AnyCallerGuard,
  ],
  exports: [TokenVerifier, CallerGuard, AnyCallerGuard],
})
export class CallerModule {}
