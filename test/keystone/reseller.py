"""What reseller mode needs at the SP (DESIGN.md "Reseller anonymity"): the group the gateway's
service user k2k is mapped to, k2k_resellers (no role of its own: project sync grants it one on
each pseudonymous k2k-* project), and the mapping rules that put k2k there and every other
federated user in federated_users as before, IdP admins in federated_admins as well. register.py uses it on a fresh pair; run alone, it
applies the same to a pair that is up (idempotent):

    SP_URL=http://127.0.0.1:15001 /usr/bin/python3 test/keystone/reseller.py
"""
import os

SERVICE_USER = 'k2k'
RESELLER_GROUP = 'k2k_resellers'
# Federated users who are admins in the project they come from (their assertion's openstack_roles):
# no role of its own; Tempest's harness grants it admin on the projects its admin accounts mirror.
ADMIN_GROUP = 'federated_admins'


def mapping_rules(service_user=SERVICE_USER):
    # A condition (any_one_of / not_any_of) yields no {N} value: the plain openstack_user comes first.
    # Keystone applies every rule that matches: an IdP admin lands in federated_users and
    # federated_admins both.
    def rule(group, *conditions):
        return {'local': [{'user': {'name': '{0}'}, 'group': {'name': group, 'domain': {'name': 'Default'}}}],
                'remote': [{'type': 'openstack_user'}, *conditions]}
    not_reseller = {'type': 'openstack_user', 'not_any_of': [service_user]}
    return [rule(RESELLER_GROUP, {'type': 'openstack_user', 'any_one_of': [service_user]}),
            rule('federated_users', not_reseller),
            rule(ADMIN_GROUP, not_reseller, {'type': 'openstack_roles', 'any_one_of': ['admin']})]


GROUPS = {RESELLER_GROUP: 'the k2k gateway as a reseller (k2k-gateway sync grants its roles)',
          ADMIN_GROUP: 'federated users who are admins at the IdP (granted roles project by project)'}


def ensure_groups(s, url):
    for name, description in GROUPS.items():
        if not s.get(url + '/v3/groups', params={'name': name, 'domain_id': 'default'}).json()['groups']:
            s.post(url + '/v3/groups', json={'group': {'name': name, 'domain_id': 'default', 'description': description}})


if __name__ == '__main__':
    from keystoneauth1 import session
    from keystoneauth1.identity import v3
    SP = os.environ['SP_URL']
    sp = session.Session(auth=v3.Password(auth_url=SP + '/v3', username='admin', password='adminpw', user_domain_name='Default',
                                          project_name='admin', project_domain_name='Default'))
    ensure_groups(sp, SP)
    sp.patch(SP + '/v3/OS-FEDERATION/mappings/idp_mapping', json={'mapping': {'rules': mapping_rules()}})
    print('groups %s and mapping rules in place at %s' % (', '.join(GROUPS), SP))
