/** `listen`, `admin_listen` and `drain`: where the gateway listens, and what a stop signal does. */
import { Type } from '@sinclair/typebox';
import { closed, seconds, text } from './helpers.js';

export const Listen = closed(
  {
    host: text({ default: '127.0.0.1', description: 'address to listen on' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 5001, description: 'port (0: any free port)' }),
    request_timeout_seconds: seconds(0, {
      default: 0,
      description:
        "longest a whole request, body included, may take before it is answered 408; 0: no limit, so long uploads are not cut (node's own default, 300 s, cuts a multi-GB image over a WAN)",
    }),
    headers_timeout_seconds: seconds(1, {
      default: 60,
      description: 'longest a client may take to send its request headers; what cuts slowloris clients (1 or more; at most `request_timeout_seconds` when that is set)',
    }),
    keep_alive_timeout_seconds: seconds(1, {
      default: 5,
      description: "an idle keep-alive connection is closed after this long; behind a load balancer, set it above the balancer's idle timeout",
    }),
  },
  { default: {}, description: 'the public listener' },
);

export const AdminListen = closed(
  {
    host: text({ default: '127.0.0.1', description: 'its address' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, description: 'its port (0: any free port; not `listen.port`)', 'x-default-text': 'required with `admin_listen`' }),
  },
  { description: 'a second listener that serves `/healthz` and `/metrics` only; they are then not served on the public port', 'x-default-text': 'none' },
);

export const Drain = closed(
  {
    grace_seconds: seconds(0, {
      default: 5,
      description: 'after SIGTERM / SIGINT, how long `/healthz` answers 503 while requests are still served, before the listener closes (0: close at once)',
    }),
    timeout_seconds: seconds(0, {
      default: 25,
      description: "then, how long requests in flight get to finish before their connections are cut. With the grace, 30 s: Kubernetes' default termination grace period",
    }),
  },
  { default: {}, description: 'what a stop signal does' },
);
