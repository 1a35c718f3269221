"""What reseller mode needs at the SP (DESIGN.md "Reseller anonymity"): the group the gateway's
service user k2k is mapped to, k2k_resellers (no role of its own: project sync grants it one on
each pseudonymous k2k-* project), and the mapping rules that put k2k there and every other
federated user in federated_users as before. register.py uses it on a fresh pair; run alone, it
applies the same to a pair that is up (idempotent):

    SP_URL=http://127.0.0.1:15001 /usr/bin/python3 test/keystone/reseller.py
"""
import os

SERVICE_USER = 'k2k'
RESELLER_GROUP = 'k2k_resellers'


def mapping_rules(service_user=SERVICE_USER):
    # A condition (any_one_of / not_any_of) yields no {N} value: the plain openstack_user comes first.
    def rule(group, condition):
        return {'local': [{'user': {'name': '{0}'}, 'group': {'name': group, 'domain': {'name': 'Default'}}}],
                'remote': [{'type': 'openstack_user'}, dict({'type': 'openstack_user'}, **condition)]}
    return [rule(RESELLER_GROUP, {'any_one_of': [service_user]}),
            rule('federated_users', {'not_any_of': [service_user]})]


def ensure_group(s, url):
    found = s.get(url + '/v3/groups', params={'name': RESELLER_GROUP, 'domain_id': 'default'}).json()['groups']
    if not found:
        s.post(url + '/v3/groups', json={'group': {'name': RESELLER_GROUP, 'domain_id': 'default',
                                                   'description': 'the k2k gateway as a reseller (k2k-gateway sync grants its roles)'}})


if __name__ == '__main__':
    from keystoneauth1 import session
    from keystoneauth1.identity import v3
    SP = os.environ['SP_URL']
    sp = session.Session(auth=v3.Password(auth_url=SP + '/v3', username='admin', password='adminpw', user_domain_name='Default',
                                          project_name='admin', project_domain_name='Default'))
    ensure_group(sp, SP)
    sp.patch(SP + '/v3/OS-FEDERATION/mappings/idp_mapping', json={'mapping': {'rules': mapping_rules()}})
    print('reseller group %s and mapping rules in place at %s' % (RESELLER_GROUP, SP))
