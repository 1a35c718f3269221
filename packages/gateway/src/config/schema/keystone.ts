/** `keystone` and `local`: the local Keystone (the IdP) with the logins the gateway uses, and the real local services. */
import { Type } from '@sinclair/typebox';
import { AUTH_TUNABLES } from '@k2k/keystone-auth';
import { integerKey, listKey, secondsKey } from '../package-tunables.js';
import { closed, endpointInterface, list, map, text, type Doc } from './helpers.js';

const username = text({ description: "the user's name (with `application_credential_name`: the user the credential belongs to)" });
const userDomainName = text({ default: 'Default', description: "the user's domain" });

/** A password and the project it logs in to. */
const PasswordLogin = closed({
  username,
  password: text({ description: 'its password', writeOnly: true }),
  user_domain_name: userDomainName,
  project_name: text({ description: 'the project it logs in to' }),
  project_domain_name: text({ default: 'Default', description: "that project's domain" }),
});

/** An application credential, scoped to its project already: by id, or by name with its user (provider-settings.ts: one of the two). */
const ApplicationCredentialLogin = closed({
  application_credential_id: Type.Optional(
    text({
      description:
        'instead of a password: an application credential of the user (`openstack application credential create k2k-gateway`), scoped to its project already, by its id; or `application_credential_name` with `username` (and `user_domain_name`)',
    }),
  ),
  application_credential_name: Type.Optional(text({ description: "the application credential's name, with `username`: instead of `application_credential_id`" })),
  application_credential_secret: text({ description: "the application credential's secret", writeOnly: true }),
  username: Type.Optional(username),
  user_domain_name: userDomainName,
});

export const login = (options: Doc) =>
  Type.Union([PasswordLogin, ApplicationCredentialLogin], {
    errorMessage: 'must be {username, password, project_name} or an application credential {application_credential_id, application_credential_secret}',
    ...options,
  });

export const Keystone = closed(
  {
    auth_url: text({ description: 'the local Keystone (the IdP): an http(s) URL ending in `/v3`, e.g. `http://127.0.0.1:5000/v3`' }),
    service_auth: login({
      description:
        "the gateway's service user, which validates tokens: a password and a project, or an application credential of that user. It needs the `service` role on that project (Keystone's policy `identity:validate_token`; with `member` alone Keystone refuses every validation, 403, and the gateway answers 503; see \"The service user\" below). The same forms work for `keystone.admin_auth` and `service_provider_settings.<sp>.admin_auth`",
    }),
    admin_auth: Type.Optional(
      login({
        description:
          "the same keys as `keystone.service_auth`: the user `k2k-gateway catalog` logs in as, which needs the admin role at the IdP (Keystone's policy for regions and endpoints). The gateway itself never uses it: keep it in a copy of the config that only the operator reads",
        'x-default-text': '`keystone.service_auth`',
      }),
    ),
    timeout_seconds: secondsKey(
      AUTH_TUNABLES,
      'timeoutMs',
      'each call to the local Keystone that validates a token or logs the service user in; a Keystone slower than this is answered 503',
    ),
    cache_ttl_seconds: integerKey(AUTH_TUNABLES, 'cacheTtlSeconds'),
    negative_cache_ttl_seconds: integerKey(AUTH_TUNABLES, 'negativeCacheTtlSeconds'),
    www_authenticate_uri: Type.Optional(
      text({
        pattern: '^https?://',
        errorMessage: 'must be an http or https URL',
        description: 'where clients should authenticate, sent in `WWW-Authenticate` on a 401',
        'x-default-text': '`keystone.auth_url`',
      }),
    ),
    required_roles: Type.Optional(
      closed(
        {
          any_of: Type.Optional(list(text(), { description: 'a caller needs at least one of these roles', minItems: 1 })),
          all_of: Type.Optional(list(text(), { description: 'a caller needs every one of these roles', minItems: 1 })),
        },
        { description: 'roles a caller must have, else 403', 'x-default-text': 'none' },
      ),
    ),
    service_token_roles: listKey(AUTH_TUNABLES, 'serviceTokenRoles'),
    region_name: Type.Optional(
      text({
        description: "the region of the SPs' endpoints the gateway uses; a virtual region's own `region` takes its place on that virtual region's mounts",
        'x-default-text': "an SP's first region that has the service",
      }),
    ),
    interface: endpointInterface({ default: 'public', description: 'the endpoint interface used at SPs when a request sends no `ENDPOINT-TYPE`' }),
  },
  { description: 'the local Keystone, the IdP' },
);

export const Local = closed(
  {
    name: text({ default: 'default', description: 'what the local cloud is called in logs and metrics' }),
    endpoints: map(text(), {
      description:
        'service type -> URL of the real local service, as in a catalog (`http://host:8776/v3/%(project_id)s`). The request path below the mount (version and project included) goes below the part of that URL before its version segment',
    }),
  },
  { description: 'the real local services behind the gateway' },
);
