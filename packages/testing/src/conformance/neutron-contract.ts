import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

/** A Neutron to check: its unversioned endpoint (as the catalog lists it) and a project-scoped token for it. */
export interface NeutronTarget {
  endpoint: string;
  token: string;
}

/** One contract check: what Neutron answers, as the simulator and a real neutron-server must both answer it. */
export interface NeutronCheck {
  name: string;
  /** An extension alias the check needs (`router`: routers and floating IPs); a target without it skips the check */
  needs?: string;
  run(target: NeutronTarget): Promise<void>;
}

type Json = Record<string, unknown>;
type Answer = { status: number; body: Json };
type Link = { rel: string; href: string };

async function call(target: NeutronTarget, method: string, path: string, body?: unknown, token: string | null = target.token): Promise<Answer> {
  const url = path.startsWith('http') ? path : `${target.endpoint.replace(/\/+$/, '')}${path}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== null) headers['x-auth-token'] = token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

/** The extension aliases a Neutron lists at /v2.0/extensions. */
export async function neutronExtensions(target: NeutronTarget): Promise<Set<string>> {
  const answer = await call(target, 'GET', '/v2.0/extensions');
  assert.equal(answer.status, 200, 'GET /v2.0/extensions');
  return new Set((answer.body.extensions as { alias: string }[]).map((extension) => extension.alias));
}

/** A name no other run uses, so checks against a shared real Neutron find only their own resources. */
function unique(what: string): string {
  return `k2k-contract-${what}-${randomUUID().slice(0, 8)}`;
}

async function create(target: NeutronTarget, path: string, key: string, attrs: Json): Promise<Json> {
  const answer = await call(target, 'POST', `/v2.0/${path}`, { [key]: attrs });
  assert.equal(answer.status, 201, `POST /v2.0/${path}: ${JSON.stringify(answer.body)}`);
  return answer.body[key] as Json;
}

/** Deletes what a check made, newest first; a 404 (already gone) is fine. */
async function cleanUp(target: NeutronTarget, made: [string, string][]): Promise<void> {
  for (const [path, id] of made.reverse()) {
    const { status } = await call(target, 'DELETE', `/v2.0/${path}/${id}`);
    assert.ok(status === 204 || status === 404, `DELETE /v2.0/${path}/${id}: ${status}`);
  }
}

/** `type`: Neutron's exception name, or the names of which one is right (where the answer depends on the cloud's state) */
function assertNeutronError(answer: Answer, status: number, type: string | readonly string[], message?: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  const error = answer.body.NeutronError as Json;
  assert.deepEqual(Object.keys(error).sort(), ['detail', 'message', 'type']);
  assert.ok((typeof type === 'string' ? [type] : type).includes(String(error.type)), `type ${String(error.type)}`);
  if (message !== undefined) assert.equal(error.message, message);
}

/** Standard attributes every resource shows, with their JSON types. */
const STANDARD: Record<string, string> = { id: 'string', name: 'string', description: 'string', tenant_id: 'string', project_id: 'string', created_at: 'string', updated_at: 'string', revision_number: 'number' };

function assertShows(item: Json, attrs: Record<string, string>): void {
  for (const [attr, type] of Object.entries({ ...STANDARD, ...attrs })) {
    assert.ok(attr in item, `shows ${attr}: ${JSON.stringify(item)}`);
    assert.equal(Array.isArray(item[attr]) ? 'array' : item[attr] === null ? 'null' : typeof item[attr], type, `${attr}'s type`);
  }
  assert.match(String(item.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
}

/** The contract: version discovery, each collection's lifecycle, lists (filters, fields, sorting, paging and links) and errors. */
export const NEUTRON_CONTRACT: readonly NeutronCheck[] = [
  {
    name: 'version discovery: / lists v2.0 CURRENT with no token; /v2.0/ lists the core resources',
    async run(target) {
      const root = await call(target, 'GET', '/', undefined, null);
      assert.equal(root.status, 200);
      const [version] = root.body.versions as Json[];
      assert.deepEqual({ id: version.id, status: version.status }, { id: 'v2.0', status: 'CURRENT' });
      assert.match((version.links as Link[])[0].href, /\/v2\.0\/$/);
      const index = await call(target, 'GET', '/v2.0/');
      assert.equal(index.status, 200);
      const networks = (index.body.resources as Json[]).find((resource) => resource.collection === 'networks') as Json;
      assert.equal(networks.name, 'network');
      assert.match((networks.links as Link[])[0].href, /\/v2\.0\/networks$/);
    },
  },
  {
    name: 'no token is 401 in keystonemiddleware\'s shape',
    async run(target) {
      const answer = await call(target, 'GET', '/v2.0/networks', undefined, null);
      assert.equal(answer.status, 401);
      assert.equal((answer.body.error as Json).code, 401);
    },
  },
  {
    name: 'network: create 201, show, update bumps revision_number, delete 204, then 404 NetworkNotFound',
    async run(target) {
      const name = unique('net');
      const network = await create(target, 'networks', 'network', { name });
      try {
        assertShows(network, { status: 'string', admin_state_up: 'boolean', subnets: 'array', shared: 'boolean', tags: 'array', 'router:external': 'boolean' });
        assert.deepEqual([network.name, network.status, network.subnets], [name, 'ACTIVE', []]);
        const shown = await call(target, 'GET', `/v2.0/networks/${network.id}`);
        assert.equal(shown.status, 200);
        assert.equal((shown.body.network as Json).id, network.id);
        const updated = await call(target, 'PUT', `/v2.0/networks/${network.id}`, { network: { name: `${name}-2` } });
        assert.equal(updated.status, 200);
        assert.equal((updated.body.network as Json).name, `${name}-2`);
        assert.equal((updated.body.network as Json).revision_number, (network.revision_number as number) + 1);
      } finally {
        const deleted = await call(target, 'DELETE', `/v2.0/networks/${network.id}`);
        assert.equal(deleted.status, 204);
      }
      assertNeutronError(await call(target, 'GET', `/v2.0/networks/${network.id}`), 404, 'NetworkNotFound', `Network ${network.id} could not be found.`);
    },
  },
  {
    name: 'bulk create: {"networks": [...]} is 201 with every network made, in order',
    async run(target) {
      const names = [unique('bulk'), unique('bulk')];
      const answer = await call(target, 'POST', '/v2.0/networks', { networks: names.map((name) => ({ name })) });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      const networks = answer.body.networks as Json[];
      await cleanUp(target, networks.map((network): [string, string] => ['networks', String(network.id)]));
      assert.deepEqual(networks.map((network) => network.name), names);
    },
  },
  {
    name: 'subnet and port on a network; a network with a port is 409 NetworkInUse; deleting it takes its subnets',
    async run(target) {
      const made: [string, string][] = [];
      try {
        const network = await create(target, 'networks', 'network', { name: unique('net') });
        made.push(['networks', network.id as string]);
        const subnet = await create(target, 'subnets', 'subnet', { name: unique('subnet'), network_id: network.id, ip_version: 4, cidr: '10.99.0.0/24' });
        assertShows(subnet, { network_id: 'string', cidr: 'string', ip_version: 'number', gateway_ip: 'string', allocation_pools: 'array', enable_dhcp: 'boolean', dns_nameservers: 'array' });
        assert.equal(subnet.gateway_ip, '10.99.0.1');
        const withSubnet = await call(target, 'GET', `/v2.0/networks/${network.id}`);
        assert.deepEqual((withSubnet.body.network as Json).subnets, [subnet.id]);
        const port = await create(target, 'ports', 'port', { name: unique('port'), network_id: network.id });
        made.push(['ports', port.id as string]);
        assertShows(port, { network_id: 'string', mac_address: 'string', fixed_ips: 'array', device_id: 'string', device_owner: 'string', status: 'string', security_groups: 'array', admin_state_up: 'boolean' });
        assertNeutronError(await call(target, 'DELETE', `/v2.0/networks/${network.id}`), 409, 'NetworkInUse');
        assert.equal((await call(target, 'DELETE', `/v2.0/ports/${port.id}`)).status, 204);
        assert.equal((await call(target, 'DELETE', `/v2.0/networks/${network.id}`)).status, 204);
        assertNeutronError(await call(target, 'GET', `/v2.0/subnets/${subnet.id}`), 404, 'SubnetNotFound', `Subnet ${subnet.id} could not be found.`);
        assertNeutronError(await call(target, 'GET', `/v2.0/ports/${port.id}`), 404, 'PortNotFound', `Port ${port.id} could not be found.`);
      } finally {
        await cleanUp(target, made);
      }
    },
  },
  {
    name: 'security group: a project has its default group; a new one has two egress rules; the default cannot be deleted (409)',
    async run(target) {
      const listed = await call(target, 'GET', '/v2.0/security-groups?name=default');
      const [defaultGroup] = listed.body.security_groups as Json[];
      assert.equal(defaultGroup.name, 'default');
      const group = await create(target, 'security-groups', 'security_group', { name: unique('sg') });
      try {
        assertShows(group, { security_group_rules: 'array' });
        assert.deepEqual((group.security_group_rules as Json[]).map((rule) => `${String(rule.direction)}/${String(rule.ethertype)}`).sort(), ['egress/IPv4', 'egress/IPv6']);
        assert.equal(((await call(target, 'GET', `/v2.0/security-groups/${group.id}`)).body.security_group as Json).id, group.id);
      } finally {
        assert.equal((await call(target, 'DELETE', `/v2.0/security-groups/${group.id}`)).status, 204);
      }
      assertNeutronError(await call(target, 'GET', `/v2.0/security-groups/${group.id}`), 404, 'SecurityGroupNotFound', `Security group ${group.id} does not exist`);
      // Neutron checks for ports using the group first: a real cloud with servers answers that.
      assertNeutronError(await call(target, 'DELETE', `/v2.0/security-groups/${defaultGroup.id}`), 409, ['SecurityGroupCannotRemoveDefault', 'SecurityGroupInUse']);
    },
  },
  {
    name: 'router: create, update, delete; floating IP on a network that is not external is 400',
    needs: 'router',
    async run(target) {
      const made: [string, string][] = [];
      try {
        const router = await create(target, 'routers', 'router', { name: unique('router') });
        made.push(['routers', router.id as string]);
        assertShows(router, { status: 'string', admin_state_up: 'boolean', external_gateway_info: 'null', routes: 'array' });
        const updated = await call(target, 'PUT', `/v2.0/routers/${router.id}`, { router: { admin_state_up: false } });
        assert.equal((updated.body.router as Json).admin_state_up, false);
        const network = await create(target, 'networks', 'network', { name: unique('net') });
        made.push(['networks', network.id as string]);
        assertNeutronError(await call(target, 'POST', '/v2.0/floatingips', { floatingip: { floating_network_id: network.id } }), 400, 'BadRequest', `Bad floatingip request: Network ${network.id} is not a valid external network.`);
        const unknown = randomUUID();
        assertNeutronError(await call(target, 'GET', `/v2.0/floatingips/${unknown}`), 404, 'FloatingIPNotFound', `Floating IP ${unknown} could not be found`);
        assertNeutronError(await call(target, 'GET', `/v2.0/routers/${unknown}`), 404, 'RouterNotFound', `Router ${unknown} could not be found`);
      } finally {
        await cleanUp(target, made);
      }
    },
  },
  {
    name: 'lists: id filters, sort_key/sort_dir, limit and marker, networks_links next and previous (page_reverse), fields, .json',
    async run(target) {
      const prefix = unique('page');
      const made: [string, string][] = [];
      try {
        for (const suffix of ['c', 'a', 'b']) made.push(['networks', (await create(target, 'networks', 'network', { name: `${prefix}-${suffix}` })).id as string]);
        const ids = made.map(([, id]) => `id=${id}`).join('&');
        const names = (answer: Answer) => (answer.body.networks as Json[]).map((network) => String(network.name).slice(prefix.length + 1));
        const first = await call(target, 'GET', `/v2.0/networks?${ids}&sort_key=name&sort_dir=asc&limit=2`);
        assert.deepEqual(names(first), ['a', 'b']);
        const firstLinks = first.body.networks_links as Link[];
        assert.deepEqual(firstLinks.map((link) => link.rel), ['next', 'previous']);
        assert.ok(firstLinks[0].href.startsWith(`${target.endpoint.replace(/\/+$/, '')}/v2.0/networks?`), firstLinks[0].href);
        const second = await call(target, 'GET', firstLinks[0].href);
        assert.deepEqual(names(second), ['c']);
        const secondLinks = second.body.networks_links as Link[];
        assert.deepEqual(secondLinks.map((link) => link.rel), ['previous']);
        assert.match(secondLinks[0].href, /page_reverse=True/);
        const back = await call(target, 'GET', secondLinks[0].href);
        assert.deepEqual(names(back), ['a', 'b']);
        const descending = await call(target, 'GET', `/v2.0/networks.json?${ids}&sort_key=name&sort_dir=desc&fields=id&fields=name`);
        assert.deepEqual(names(descending), ['c', 'b', 'a']);
        assert.deepEqual(Object.keys((descending.body.networks as Json[])[0]).sort(), ['id', 'name']);
        assert.equal(descending.body.networks_links, undefined, 'no links without a limit');
        const shown = await call(target, 'GET', `/v2.0/networks/${made[0][1]}.json`);
        assert.equal((shown.body.network as Json).id, made[0][1]);
      } finally {
        await cleanUp(target, made);
      }
    },
  },
  {
    name: 'list errors: a sort key that is no sort key, unequal sort_key/sort_dir, a negative limit, an unknown filter are 400; an unknown marker is 404',
    async run(target) {
      assertNeutronError(await call(target, 'GET', '/v2.0/networks?sort_key=created_at&sort_dir=asc'), 400, 'HTTPBadRequest', "['created_at'] is invalid attribute for sort_keys");
      assertNeutronError(await call(target, 'GET', '/v2.0/networks?sort_key=name'), 400, 'HTTPBadRequest', 'The number of sort_keys and sort_dirs must be same');
      assertNeutronError(await call(target, 'GET', '/v2.0/networks?limit=-1'), 400, 'BadRequest', "Bad limit request: Limit must be an integer 0 or greater and not '-1'.");
      assertNeutronError(await call(target, 'GET', '/v2.0/networks?flavor=x'), 400, 'HTTPBadRequest', "['flavor'] is invalid attribute for filtering");
      const unknown = randomUUID();
      assertNeutronError(await call(target, 'GET', `/v2.0/networks?limit=1&marker=${unknown}`), 404, 'NetworkNotFound', `Network ${unknown} could not be found.`);
    },
  },
  {
    name: 'create errors: no body, an unknown attribute, a read-only one, a missing network_id',
    async run(target) {
      assertNeutronError(await call(target, 'POST', '/v2.0/networks', { network: { name: 'x', color: 'red' } }), 400, 'HTTPBadRequest', "Unrecognized attribute(s) 'color'");
      assertNeutronError(await call(target, 'POST', '/v2.0/networks', { net: {} }), 400, 'HTTPBadRequest', "Unable to find 'network' in request body");
      assertNeutronError(await call(target, 'POST', '/v2.0/ports', { port: { name: 'x' } }), 400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'network_id' not specified");
      const network = await create(target, 'networks', 'network', { name: unique('net') });
      try {
        assertNeutronError(await call(target, 'PUT', `/v2.0/networks/${network.id}`, { network: { status: 'DOWN' } }), 400, 'HTTPBadRequest', 'Cannot update read-only attribute status');
      } finally {
        await cleanUp(target, [['networks', network.id as string]]);
      }
    },
  },
];
