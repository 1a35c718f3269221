"""Keystone-side steps of the Tempest harness (run.sh), over the REST APIs as the cloud's admin.

  setup.py accounts RUN OUT     creates the run's projects and users at the cloud's Keystone
                                (AUTH_URL), writes Tempest's accounts.yaml to OUT
  setup.py image RUN            uploads a small public raw image (what devstack's cirros is to
                                Tempest: [compute] image_ref, for volumes made from an image);
                                prints its id
  setup.py mirror RUN           at an SP's Keystone: a project named as each of the run's projects
                                at the IdP, group federated_users (every federated user,
                                register.py) a member there, group federated_admins (the IdP's
                                admins) an admin in the admin accounts' ones, each tagged with
                                its IdP project's id as project sync tags its mirrors: what the
                                gateway's virtual region scopes a caller to (the caller's project
                                name), and how it maps project ids (an image's members)
  setup.py remove RUN           deletes the image, what the run left at the services (group
                                snapshots, groups with their volumes, snapshots, volumes, images of
                                the run's projects; then volume and group types named tempest-*
                                that nothing uses), then the run's users and projects
  setup.py sweep PROJECT_ID...  the same sweep for projects already deleted
  setup.py register-gateway GW  adds the gateway to the catalog for the local services, under
                                service types of its own (GATEWAY_VOLUME_TYPE, GATEWAY_IMAGE_TYPE),
                                public and internal, in REGION
  setup.py unregister-gateway   removes them (their endpoints go with them)
  setup.py max-microversion URL the highest volume microversion the Cinder at URL (its root) offers

Reads the environment: AUTH_URL, ADMIN_USER, ADMIN_PASSWORD, REGION, VOLUME_URL (the real Cinder
of that cloud, %(project_id)s in it), IMAGE_URL, GATEWAY_VOLUME_TYPE, GATEWAY_IMAGE_TYPE.
"""
import json
import os
import sys
import time

from keystoneauth1 import session
from keystoneauth1.identity import v3

E = os.environ
TIMEOUT = 30
PASSWORD = 'tempest-k2k-pw'
# project sync's default sp_tag: its link tags are <SYNC_TAG>:<IdP project id>
SYNC_TAG = 'k2k-sync'
# Tempest's pre-provisioned credentials: with concurrency 2, each worker holds a primary, an alt
# and an admin at once (locked by Tempest), so two of each kind plus spares.
MEMBERS = 4
ADMINS = int(E.get('ACCOUNT_ADMINS', '2'))


def admin_session(auth_url=None):
    auth = v3.Password(auth_url=auth_url or E['AUTH_URL'], username=E['ADMIN_USER'], password=E['ADMIN_PASSWORD'],
                       user_domain_name='Default', project_name='admin', project_domain_name='Default')
    return session.Session(auth=auth, timeout=TIMEOUT)


def ks(path):
    return E['AUTH_URL'] + path


def role_id(s, name):
    return s.get(ks('/roles'), params={'name': name}).json()['roles'][0]['id']


def prefix(run):
    return 'tempest-%s-' % run


def account_names(run):
    """Each account's name (its project's and its user's) and whether it is an admin."""
    return [(prefix(run) + 'user%d' % i, False) for i in range(MEMBERS)] + \
        [(prefix(run) + 'admin%d' % i, True) for i in range(ADMINS)]


def accounts(run, out):
    s = admin_session()
    member, admin = role_id(s, 'member'), role_id(s, 'admin')
    entries = []
    for name, is_admin in account_names(run):
        project = s.post(ks('/projects'), json={'project': {'name': name, 'domain_id': 'default'}}).json()['project']
        user = s.post(ks('/users'), json={'user': {'name': name, 'password': PASSWORD, 'domain_id': 'default',
                                                   'default_project_id': project['id']}}).json()['user']
        roles = [member] + ([admin] if is_admin else [])
        for role in roles:
            s.put(ks('/projects/%s/users/%s/roles/%s' % (project['id'], user['id'], role)))
        entry = {'username': name, 'user_domain_name': 'Default', 'project_name': name,
                 'project_domain_name': 'Default', 'password': PASSWORD,
                 'roles': ['member', 'admin'] if is_admin else ['member']}
        if is_admin:
            entry['types'] = ['admin']
        entries.append(entry)
    # JSON is YAML
    with open(out, 'w') as f:
        json.dump(entries, f, indent=2)


def mirror(run):
    s = admin_session()
    member, admin = role_id(s, 'member'), role_id(s, 'admin')
    group = lambda name: s.get(ks('/groups'), params={'name': name}).json()['groups'][0]['id']
    users, admins = group('federated_users'), group('federated_admins')
    idp = admin_session(E['IDP_AUTH_URL'])
    for name, is_admin in account_names(run):
        source = idp.get(E['IDP_AUTH_URL'] + '/projects', params={'name': name}).json()['projects'][0]
        # linked as `k2k-gateway sync` links its mirrors (sp_tag k2k-sync): the gateway maps the ids
        tags = [SYNC_TAG, '%s:%s' % (SYNC_TAG, source['id'])]
        project = s.post(ks('/projects'), json={'project': {'name': name, 'domain_id': 'default', 'tags': tags}}).json()['project']
        s.put(ks('/projects/%s/groups/%s/roles/%s' % (project['id'], users, member)))
        if is_admin:
            s.put(ks('/projects/%s/groups/%s/roles/%s' % (project['id'], admins, admin)))


def run_projects(s, run):
    return [p for p in s.get(ks('/projects')).json()['projects'] if p['name'].startswith(prefix(run))]


def delete_all(s, url, key, ids, headers, delete=True):
    """DELETE url/<id> for each (unless already asked), then waits (at most 60 s) until they are
    gone; reports what stays."""
    for i in ids if delete else ():
        s.delete('%s/%s' % (url, i), raise_exc=False, headers=headers)
    deadline = time.monotonic() + 60
    left = ids
    while left and time.monotonic() < deadline:
        time.sleep(1)
        left = [i for i in left if s.get('%s/%s' % (url, i), raise_exc=False, headers=headers).status_code != 404]
    if left:
        print('left behind (%s): %s' % (key, left), file=sys.stderr)


def sweep(s, run, projects=None):
    """What Tempest did not clean up in the run's projects, at the cloud's real Cinder and Glance;
    then the volume and group types Tempest named (tempest-*) that nothing uses any more."""
    projects = projects or {p['id'] for p in run_projects(s, run)}
    if not projects:
        return
    cinder = E['VOLUME_URL'].replace('%(project_id)s', s.get_project_id())
    # 3.58: a group's project_id is shown
    mv = {'OpenStack-API-Version': 'volume 3.60'}

    def owned(key, path):
        found = s.get(cinder + path + '/detail', params={'all_tenants': 1}, headers=mv, raise_exc=False)
        if found.status_code != 200:
            return []
        return [x for x in found.json().get(key, [])
                if (x.get('os-vol-tenant-attr:tenant_id') or x.get('project_id')
                    or x.get('os-extended-snapshot-attributes:project_id')) in projects]

    delete_all(s, cinder + '/group_snapshots', 'group_snapshots',
               [x['id'] for x in owned('group_snapshots', '/group_snapshots')], mv)
    groups = [x['id'] for x in owned('groups', '/groups')]
    for g in groups:
        s.post('%s/groups/%s/action' % (cinder, g), json={'delete': {'delete-volumes': True}}, headers=mv,
               raise_exc=False)
    delete_all(s, cinder + '/groups', 'groups', groups, mv, delete=False)
    for key, path in (('snapshots', '/snapshots'), ('volumes', '/volumes')):
        items = owned(key, path)
        for x in items:
            if x.get('status') not in ('available', 'error'):
                s.post('%s/%s/%s/action' % (cinder, key, x['id']), json={'os-reset_status': {'status': 'available'}},
                       headers=mv, raise_exc=False)
        delete_all(s, cinder + path, key, [x['id'] for x in items], mv)
    for key, path in (('group_types', '/group_types'), ('volume_types', '/types')):
        found = s.get(cinder + path, params={'is_public': 'None'}, headers=mv, raise_exc=False)
        if found.status_code == 200:
            for t in found.json().get(key, []):
                if t['name'].startswith('tempest-'):
                    s.delete('%s%s/%s' % (cinder, path, t['id']), headers=mv, raise_exc=False)
    images = s.get(E['IMAGE_URL'] + '/v2/images', params={'limit': 1000}).json()['images']
    ours = [i for i in images if i.get('owner') in projects]
    for i in ours:
        s.patch('%s/v2/images/%s' % (E['IMAGE_URL'], i['id']), raise_exc=False,
                data=json.dumps([{'op': 'replace', 'path': '/protected', 'value': False}]),
                headers={'Content-Type': 'application/openstack-images-v2.1-json-patch'})
    delete_all(s, E['IMAGE_URL'] + '/v2/images', 'images', [i['id'] for i in ours], {})


def image_name(run):
    return prefix(run) + 'image'


def image(run):
    s = admin_session()
    url = E['IMAGE_URL'] + '/v2/images'
    made = s.post(url, json={'name': image_name(run), 'disk_format': 'raw', 'container_format': 'bare',
                             'visibility': 'public'}).json()
    s.put('%s/%s/file' % (url, made['id']), data=b'\0' * (1024 * 1024),
          headers={'Content-Type': 'application/octet-stream'})
    print(made['id'])


def remove(run):
    s = admin_session()
    sweep(s, run)
    url = E['IMAGE_URL'] + '/v2/images'
    for i in s.get(url, params={'name': image_name(run)}).json()['images']:
        s.delete('%s/%s' % (url, i['id']))
    for user in s.get(ks('/users')).json()['users']:
        if user['name'].startswith(prefix(run)):
            s.delete(ks('/users/' + user['id']))
    for project in run_projects(s, run):
        s.patch(ks('/projects/' + project['id']), json={'project': {'enabled': False}})
        s.delete(ks('/projects/' + project['id']))


def gateway_types():
    return (E['GATEWAY_VOLUME_TYPE'], E['GATEWAY_IMAGE_TYPE'])


def unregister_gateway():
    s = admin_session()
    for service_type in gateway_types():
        for service in s.get(ks('/services'), params={'type': service_type}).json()['services']:
            s.delete(ks('/services/' + service['id']))


def register_gateway(gateway):
    unregister_gateway()
    s = admin_session()
    for service_type, url in zip(gateway_types(), (gateway + '/volume/v3/%(project_id)s', gateway + '/image')):
        service = s.post(ks('/services'), json={'service': {'type': service_type, 'name': service_type}}).json()['service']
        for interface in ('public', 'internal'):
            s.post(ks('/endpoints'), json={'endpoint': {'service_id': service['id'], 'interface': interface,
                                                       'region_id': E.get('REGION', 'RegionOne'), 'url': url}})


def max_microversion(root):
    s = admin_session()
    versions = s.get(root, raise_exc=False, authenticated=False).json()['versions']
    print(max((v for v in versions if v['id'].startswith('v3')), key=lambda v: v['id'])['version'])


if __name__ == '__main__':
    command, args = sys.argv[1], sys.argv[2:]
    {'sweep': lambda *ids: sweep(admin_session(), None, set(ids)), 'accounts': accounts, 'image': image, 'mirror': mirror, 'remove': remove, 'register-gateway': register_gateway,
     'unregister-gateway': unregister_gateway, 'max-microversion': max_microversion}[command](*args)
