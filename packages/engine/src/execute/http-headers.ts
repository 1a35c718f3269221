/**
 * Hop-by-hop headers (RFC 9110 7.6.1): the business of one connection, never passed on by a proxy,
 * whichever way the message goes (Proxy-Authorization and Proxy-Authenticate are this proxy's own).
 * A Connection header may name more.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** A JSON media type: `application/json` and the `+json` ones. */
export const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;
