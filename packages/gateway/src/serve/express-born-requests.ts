import { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';

/** The request and response classes an HTTP server makes for `app` (node's `IncomingMessage` and `ServerResponse` server options). */
export interface RequestClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

/**
 * Request and response classes whose instances are born with `app`'s own prototypes. Express
 * switches every request's and response's prototype to the app's (`Object.setPrototypeOf`), and
 * V8 makes that switch costly: every request's objects then change shape, node's HTTP code runs
 * on polymorphic inline caches, and the request's garbage survives young-generation collections.
 * Measured on the gateway's warm path, the switch took about 40 % of a worker's CPU. With these
 * classes the switch finds the prototype already in place and does nothing. Each class's
 * prototype is put in `app.request` / `app.response`, inheriting what was there (Express's methods
 * and `req.app`). Call once per app, before it serves.
 */
export function expressBornRequests(app: Express): RequestClasses {
  class AppRequest extends IncomingMessage {}
  Object.setPrototypeOf(AppRequest.prototype, app.request);
  app.request = AppRequest.prototype as Express['request'];
  class AppResponse extends ServerResponse {}
  Object.setPrototypeOf(AppResponse.prototype, app.response);
  app.response = AppResponse.prototype as Express['response'];
  return { IncomingMessage: AppRequest, ServerResponse: AppResponse as typeof ServerResponse };
}
