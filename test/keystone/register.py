"""Seeds the two Keystones up.sh started, over their REST APIs (one process: much faster than the CLI).

IdP: alice/alicepw member of demo; k2k/secret with the service role on project service (the role
Keystone's default policy lets validate other users' tokens); service provider sp1.
SP: projects demo, demo2, locked; group federated_users (member of demo and demo2); group
k2k_resellers (no role: project sync grants it one on each k2k-* project); group federated_admins (no
role: Tempest's harness grants it admin where it needs one); identity provider idp with a mapping of
k2k to k2k_resellers, of everyone else to federated_users and of IdP admins also to federated_admins
(reseller.py), and the saml2 protocol.
Both: volumev3 and image endpoints (public, internal = public port + 1) of the fake services.
Prints shell assignments of the ids the env file needs.
"""
import json
import os

from keystoneauth1 import session
from keystoneauth1.identity import v3

import reseller

IDP, SP = os.environ['IDP_URL'], os.environ['SP_URL']


def admin_session(url):
    auth = v3.Password(auth_url=url + '/v3', username='admin', password='adminpw', user_domain_name='Default',
                       project_name='admin', project_domain_name='Default')
    return session.Session(auth=auth)


def post(s, url, path, body):
    return s.post(url + '/v3' + path, json=body).json()


def find_or_create_role(s, url, name):
    found = s.get(url + '/v3/roles', params={'name': name}).json()['roles']
    return found[0]['id'] if found else post(s, url, '/roles', {'role': {'name': name}})['role']['id']


def project(s, url, name):
    return post(s, url, '/projects', {'project': {'name': name, 'domain_id': 'default'}})['project']['id']


def grant(s, url, actor, actor_id, project_id, role_id):
    s.put(url + '/v3/projects/%s/%s/%s/roles/%s' % (project_id, actor, actor_id, role_id))


def catalog(s, url, volume_port, image_port):
    for service_type, name, port, path in (('volumev3', 'cinderv3', volume_port, '/v3/%(project_id)s'), ('image', 'glance', image_port, '')):
        service_id = post(s, url, '/services', {'service': {'type': service_type, 'name': name}})['service']['id']
        for interface, offset in (('public', 0), ('internal', 1)):
            post(s, url, '/endpoints', {'endpoint': {'service_id': service_id, 'interface': interface, 'region_id': 'RegionOne',
                                                    'url': 'http://127.0.0.1:%d%s' % (int(port) + offset, path)}})


idp = admin_session(IDP)
member = find_or_create_role(idp, IDP, 'member')
service_role = find_or_create_role(idp, IDP, 'service')
idp_demo = project(idp, IDP, 'demo')
alice = post(idp, IDP, '/users', {'user': {'name': 'alice', 'password': 'alicepw', 'domain_id': 'default'}})['user']['id']
grant(idp, IDP, 'users', alice, idp_demo, member)
service_project = project(idp, IDP, 'service')
k2k = post(idp, IDP, '/users', {'user': {'name': 'k2k', 'password': 'secret', 'domain_id': 'default'}})['user']['id']
grant(idp, IDP, 'users', k2k, service_project, service_role)
idp.put(IDP + '/v3/OS-FEDERATION/service_providers/sp1', json={'service_provider': {
    'sp_url': SP + '/Shibboleth.sso/SAML2/ECP',
    'auth_url': SP + '/v3/OS-FEDERATION/identity_providers/idp/protocols/saml2/auth', 'enabled': True}})
catalog(idp, IDP, os.environ['IDP_VOLUME_PORT'], os.environ['IDP_IMAGE_PORT'])

sp = admin_session(SP)
sp_member = find_or_create_role(sp, SP, 'member')
sp_projects = {name: project(sp, SP, name) for name in ('demo', 'demo2', 'locked')}
group = post(sp, SP, '/groups', {'group': {'name': 'federated_users', 'domain_id': 'default'}})['group']['id']
for name in ('demo', 'demo2'):
    grant(sp, SP, 'groups', group, sp_projects[name], sp_member)
sp.put(SP + '/v3/OS-FEDERATION/identity_providers/idp', json={'identity_provider': {
    'remote_ids': [IDP + '/v3/OS-FEDERATION/saml2/idp'], 'enabled': True}})
reseller.ensure_groups(sp, SP)
sp.put(SP + '/v3/OS-FEDERATION/mappings/idp_mapping', json={'mapping': {'rules': reseller.mapping_rules()}})
sp.put(SP + '/v3/OS-FEDERATION/identity_providers/idp/protocols/saml2', json={'protocol': {'mapping_id': 'idp_mapping'}})
catalog(sp, SP, os.environ['SP_VOLUME_PORT'], os.environ['SP_IMAGE_PORT'])

print('IDP_DEMO=%s SP_DEMO=%s SP_DEMO2=%s SP_LOCKED=%s' % (idp_demo, sp_projects['demo'], sp_projects['demo2'], sp_projects['locked']))
