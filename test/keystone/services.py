"""Keystone-side steps of services-up.sh / services-down.sh, over the REST APIs (one process each:
much faster than the openstack CLI), as the admin of each cloud.

  services.py ready       waits until each Cinder has a cinder-volume and a cinder-scheduler "up"
                          and the scheduler knows the volume service's pool (before that, a create
                          fails with "No valid backend")
  services.py register    adds the real services to both catalogs under their own service types
                          (public and internal: the same URL), replacing earlier registrations
  services.py unregister  removes them again (their endpoints go with them)

Reads the environment: IDP_AUTH_URL, SP_AUTH_URL, ADMIN_USER, ADMIN_PASSWORD, REGION,
VOLUME_SERVICE_TYPE, IMAGE_SERVICE_TYPE, IDP_/SP_REAL_VOLUME_ENDPOINT, IDP_/SP_REAL_IMAGE_ENDPOINT,
READY_SECONDS (default 180).
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


def delete_ours(s, auth_url):
    for service_type in (E['VOLUME_SERVICE_TYPE'], E['IMAGE_SERVICE_TYPE']):
        for service in s.get(auth_url + '/services', params={'type': service_type}).json()['services']:
            s.delete(auth_url + '/services/' + service['id'])


def register():
    for side, auth_url in CLOUDS:
        s = admin_session(auth_url)
        delete_ours(s, auth_url)
        for service_type, name, url in ((E['VOLUME_SERVICE_TYPE'], 'real-cinder', E[side.upper() + '_REAL_VOLUME_ENDPOINT']),
                                        (E['IMAGE_SERVICE_TYPE'], 'real-glance', E[side.upper() + '_REAL_IMAGE_ENDPOINT'])):
            service = s.post(auth_url + '/services', json={'service': {'type': service_type, 'name': name}}).json()['service']
            for interface in ('public', 'internal'):
                s.post(auth_url + '/endpoints', json={'endpoint': {'service_id': service['id'], 'interface': interface,
                                                                   'region_id': E.get('REGION', 'RegionOne'), 'url': url}})


def unregister():
    for _, auth_url in CLOUDS:
        delete_ours(admin_session(auth_url), auth_url)


if __name__ == '__main__':
    {'ready': ready, 'register': register, 'unregister': unregister}[sys.argv[1]]()
