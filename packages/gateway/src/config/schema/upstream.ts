/** `tls` and `upstream`: how the gateway reaches Keystone, the local services and the SPs. */
import { Type } from '@sinclair/typebox';
import { FORWARD_TUNABLES } from '@k2k/k2k-forward';
import { integerKey, secondsKey } from '../package-tunables.js';
import { closed, text } from './helpers.js';

export const Tls = closed(
  {
    ca_file: Type.Optional(
      text({
        description:
          "a PEM file of the certificate authorities trusted for https: to Keystone (token validation, K2K exchanges with the IdP and every SP's Keystone, the `catalog` and `sync` commands) and to the services (local and at SPs). It replaces Node's default CAs: add a public CA's certificate too if some of those servers use one. Read when the config is loaded",
        'x-default-text': "Node's default CAs",
      }),
    ),
  },
  { default: {}, description: 'TLS to Keystone and the services' },
);

export const Upstream = closed(
  {
    timeout_seconds: secondsKey(
      FORWARD_TUNABLES,
      'timeoutMs',
      'a local service or SP silent this long (no byte) is answered 504; a search probe gets the shorter of this and `routing.probe_timeout_ms`',
    ),
    keystone_timeout_seconds: secondsKey(FORWARD_TUNABLES, 'keystoneTimeoutMs', 'each Keystone call of a K2K exchange (IdP assertion, SP, scoping)'),
    token_safety_margin_seconds: integerKey(FORWARD_TUNABLES, 'tokenSafetyMarginSeconds'),
    json_body_limit_bytes: integerKey(FORWARD_TUNABLES, 'jsonBodyLimitBytes'),
    proxy_id: Type.Optional(
      text({
        pattern: '^[^,\\s]+$',
        errorMessage: 'must not contain commas or spaces (it goes in MM-PROXY-LIST)',
        description: "this gateway's name in `MM-PROXY-LIST`, the loop guard of chained proxies",
        'x-default-text': 'the host name',
      }),
    ),
  },
  { default: {}, description: 'forwarding, to the local services and to the SPs' },
);
