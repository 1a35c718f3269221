import type { IncomingMessage } from 'node:http';
import { Strategy } from 'passport-strategy';
import { AuthCore } from './auth-core.js';
import type { KeystoneAuthOptions } from './options.js';

/**
 * A Passport strategy named 'keystone', on the same core as keystoneAuth: the same validation,
 * cache, headers and `req.keystone`; Passport's `req.user` is the identity.
 *
 *   passport.use(new KeystoneStrategy(options));
 *   app.use(passport.authenticate('keystone', { session: false, failWithError: true }), keystoneErrorHandler());
 *
 * A missing or invalid token fails with status 401 and the Keystone challenge (Passport sets
 * WWW-Authenticate); with `failWithError`, keystoneErrorHandler answers it in OpenStack's JSON.
 * Other refusals (403, 503) are passed to `next(error)` as OpenStackErrors.
 */
export class KeystoneStrategy extends Strategy {
  readonly name = 'keystone';
  private readonly core: AuthCore;

  constructor(options: KeystoneAuthOptions) {
    super();
    this.core = new AuthCore(options);
  }

  override authenticate(req: IncomingMessage): void {
    this.core.authenticate(req).then(
      (outcome) => {
        if (outcome.kind === 'confirmed') {
          req.keystone = outcome.identity;
          return this.success(outcome.identity);
        }
        if (outcome.kind === 'deferred') return this.pass();
        if (outcome.error.status === 401) return this.fail(outcome.headers['www-authenticate'], 401);
        this.error(outcome.error);
      },
      (error: unknown) => this.error(error as Error),
    );
  }

  /** Releases Keystone connections. */
  close(): Promise<void> {
    return this.core.close();
  }
}
