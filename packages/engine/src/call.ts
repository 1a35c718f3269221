import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeystoneIdentity } from '@k2k/common';
import type { ApiRequest } from './parse/parse-request.js';
import type { RoutingLimits } from './route/route.js';

/** One client request on its way through the engine: what every step after parsing works on. */
export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  request: ApiRequest;
  identity: KeystoneIdentity | undefined;
  requestId: string;
  /**
   * The id the request goes upstream with: the caller's own `X-OpenStack-Request-ID` when it is a
   * valid one (oslo keeps it as the global request id), else this proxy's
   */
  upstreamRequestId: string;
  /** The caller's `X-OpenStack-Request-ID`, when valid */
  globalRequestId?: string;
  /** The caller's local token, read before forwarding rewrites the headers */
  userToken: string | undefined;
  /** MM-PROXY-LIST for the next hop */
  proxyList: string;
  limits: RoutingLimits;
  started: number;
}
