"""An ML2 mechanism driver that binds every port on any host, for nova-neutron-up.sh.

No Neutron agent runs in this harness, so no real mechanism driver can bind a port, and a server
on a network would end in ERROR (nova-compute's PortBindingFailed). This one binds the port to
its first segment, VIF type "other", status ACTIVE; Nova's fake virt driver plugs nothing and
waits for no vif-plugged event.

ML2 loads mechanism drivers by entry-point name only (namespace neutron.ml2.mechanism_drivers):
nova-neutron-up.sh copies this file next to a minimal k2k_bind_all_ml2-0.1.dist-info whose
entry_points.txt names it `bindall`, and puts that folder on neutron-server's PYTHONPATH.
"""
from neutron_lib.api.definitions import portbindings
from neutron_lib import constants
from neutron_lib.plugins.ml2 import api


class BindAllDriver(api.MechanismDriver):
    def initialize(self):
        pass

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OTHER, {}, status=constants.PORT_STATUS_ACTIVE)
            return
