"""Keystone-side steps of services-up.sh / nova-neutron-up.sh and their -down.sh, over the REST APIs
(one process each: much faster than the openstack CLI), as the admin of each cloud.

  services.py ready           waits until each Cinder has a cinder-volume and a cinder-scheduler "up"
                              and the scheduler knows the volume service's pool (before that, a
                              create fails with "No valid backend")
  services.py ready-compute   waits until each Nova has a nova-compute "up", and makes the public
                              flavor FLAVOR (1 vCPU, 64 MiB, 1 GiB) when it is missing (its host
                              is mapped to a cell afterwards: nova-manage cell_v2 discover_hosts)
  services.py service-user    makes the user SERVICE_USER_NAME (password SERVICE_USER_PASSWORD) in each
                              cloud with the role `service` on project admin (and the role when
                              missing): the service token Nova sends with the user's (Cinder lets
                              only a caller with such a token delete an attachment Nova made)
  services.py remove-service-user  deletes that user again
  services.py register KIND...    adds the real services of those kinds (volume, image, compute,
                              network) to both catalogs under their service types (public and
                              internal: the same URL), replacing earlier registrations
  services.py unregister KIND...  removes them again (their endpoints go with them)

Reads the environment: IDP_AUTH_URL, SP_AUTH_URL, ADMIN_USER, ADMIN_PASSWORD, REGION, READY_SECONDS
(default 180), FLAVOR, SERVICE_USER_NAME, SERVICE_USER_PASSWORD, and per KIND: <KIND>_SERVICE_TYPE,
IDP_/SP_REAL_<KIND>_ENDPOINT.
"""
import os
import sys
import time

from keystoneauth1 import session
from keystoneauth1.identity import v3

E = os.environ
CLOUDS = (('idp', E['IDP_AUTH_URL']), ('sp', E['SP_AUTH_URL']))
TIMEOUT = 20  # every HTTP call


def admin_session(auth_url):
    auth = v3.Password(auth_url=auth_url, username=E['ADMIN_USER'], password=E['ADMIN_PASSWORD'],
                       user_domain_name='Default', project_name='admin', project_domain_name='Default')
    return session.Session(auth=auth, timeout=TIMEOUT)


def volume_url(side, project_id):
    return E[side.upper() + '_REAL_VOLUME_ENDPOINT'].replace('%(project_id)s', project_id)


def ready():
    deadline = time.monotonic() + float(E.get('READY_SECONDS', '180'))
    for side, auth_url in CLOUDS:
        s = admin_session(auth_url)
        base = volume_url(side, s.get_project_id())
        state = 'no answer'
        while True:
            try:
                services = s.get(base + '/os-services', raise_exc=False).json().get('services', [])
                up = {x['binary'] for x in services if x.get('state') == 'up'}
                if {'cinder-volume', 'cinder-scheduler'} <= up:
                    pools = s.get(base + '/scheduler-stats/get_pools', raise_exc=False).json().get('pools')
                    if pools:
                        break
                    state = 'services up, no pool at the scheduler yet'
                else:
                    state = 'services: %s' % sorted((x['binary'], x.get('state')) for x in services)
            except Exception as error:  # not listening yet, or an answer that is not JSON
                state = repr(error)
            if time.monotonic() > deadline:
                sys.exit('%s Cinder at %s not ready: %s' % (side, base, state))
            time.sleep(0.5)


# The catalog name of each kind's real service: registrations are found again by type and name.
NAMES = {'volume': 'real-cinder', 'image': 'real-glance', 'compute': 'real-nova', 'network': 'real-neutron'}


def compute_url(side):
    return E[side.upper() + '_REAL_COMPUTE_ENDPOINT']


def ready_compute():
    deadline = time.monotonic() + float(E.get('READY_SECONDS', '180'))
    flavor = {'name': E['FLAVOR'], 'ram': 64, 'vcpus': 1, 'disk': 1, 'os-flavor-access:is_public': True}
    for side, auth_url in CLOUDS:
        s = admin_session(auth_url)
        base = compute_url(side)
        state = 'no answer'
        while True:
            try:
                services = s.get(base + '/os-services', params={'binary': 'nova-compute'}, raise_exc=False).json().get('services', [])
                if any(x.get('state') == 'up' for x in services):
                    break
                state = 'nova-compute: %s' % [x.get('state') for x in services]
            except Exception as error:  # not listening yet, or an answer that is not JSON
                state = repr(error)
            if time.monotonic() > deadline:
                sys.exit('%s Nova at %s not ready: %s' % (side, base, state))
            time.sleep(0.5)
        flavors = s.get(base + '/flavors/detail', params={'is_public': 'None'}).json()['flavors']
        if not any(f['name'] == flavor['name'] for f in flavors):
            s.post(base + '/flavors', json={'flavor': flavor})


def one(s, url, key, name):
    found = s.get(url, params={'name': name}).json()[key]
    return found[0]['id'] if found else None


def service_user():
    name = E['SERVICE_USER_NAME']
    for _, auth_url in CLOUDS:
        s = admin_session(auth_url)
        role = one(s, auth_url + '/roles', 'roles', 'service') \
            or s.post(auth_url + '/roles', json={'role': {'name': 'service'}}).json()['role']['id']
        user = one(s, auth_url + '/users', 'users', name) or s.post(auth_url + '/users', json={'user': {
            'name': name, 'password': E['SERVICE_USER_PASSWORD'], 'domain_id': 'default'}}).json()['user']['id']
        s.put('%s/projects/%s/users/%s/roles/%s' % (auth_url, one(s, auth_url + '/projects', 'projects', 'admin'), user, role))


def remove_service_user():
    for _, auth_url in CLOUDS:
        s = admin_session(auth_url)
        user = one(s, auth_url + '/users', 'users', E['SERVICE_USER_NAME'])
        if user:
            s.delete(auth_url + '/users/' + user)


def delete_ours(s, auth_url, kinds):
    for kind in kinds:
        for service in s.get(auth_url + '/services', params={'type': E[kind.upper() + '_SERVICE_TYPE']}).json()['services']:
            if service.get('name') == NAMES[kind]:
                s.delete(auth_url + '/services/' + service['id'])


def register(kinds):
    for side, auth_url in CLOUDS:
        s = admin_session(auth_url)
        delete_ours(s, auth_url, kinds)
        for kind in kinds:
            url = E[side.upper() + '_REAL_' + kind.upper() + '_ENDPOINT']
            service = s.post(auth_url + '/services', json={'service': {'type': E[kind.upper() + '_SERVICE_TYPE'], 'name': NAMES[kind]}}).json()['service']
            for interface in ('public', 'internal'):
                s.post(auth_url + '/endpoints', json={'endpoint': {'service_id': service['id'], 'interface': interface,
                                                                   'region_id': E.get('REGION', 'RegionOne'), 'url': url}})


def unregister(kinds):
    for _, auth_url in CLOUDS:
        delete_ours(admin_session(auth_url), auth_url, kinds)


if __name__ == '__main__':
    command, kinds = sys.argv[1], sys.argv[2:]
    if command in ('register', 'unregister'):
        {'register': register, 'unregister': unregister}[command](kinds)
    else:
        {'ready': ready, 'ready-compute': ready_compute, 'service-user': service_user,
         'remove-service-user': remove_service_user}[command]()
