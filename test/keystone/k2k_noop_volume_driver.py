"""A Cinder volume driver that stores nothing, for services-up.sh.

Volumes live only in Cinder's database: a create reaches 'available' as soon as the scheduler has
placed it, a delete removes the row. Enough to drive Cinder's API with stock clients on machines
without LVM (containers usually have no device-mapper). Debian's python3-cinder ships no tests
package, so Cinder's own fake drivers are not available.

services-up.sh copies this file next to Cinder's config and loads it with
`volume_driver = k2k_noop_volume_driver.NoopVolumeDriver` (PYTHONPATH = that folder).
"""
from cinder.volume import driver

CAPACITY_GB = 1000


class NoopVolumeDriver(driver.VolumeDriver):
    VERSION = '1.0.0'

    # Nothing to set up, check, export or attach.
    def do_setup(self, context):
        pass

    def check_for_setup_error(self):
        pass

    def create_export(self, context, volume, connector):
        return None

    def ensure_export(self, context, volume):
        pass

    def remove_export(self, context, volume):
        pass

    def initialize_connection(self, volume, connector):
        return {'driver_volume_type': 'k2k-noop', 'data': {}}

    def terminate_connection(self, volume, connector, **kwargs):
        pass

    # Volumes and snapshots: rows in the database only.
    def create_volume(self, volume):
        return None

    def create_volume_from_snapshot(self, volume, snapshot):
        return None

    def create_cloned_volume(self, volume, src_vref):
        return None

    def delete_volume(self, volume):
        pass

    def extend_volume(self, volume, new_size):
        pass

    def create_snapshot(self, snapshot):
        pass

    def delete_snapshot(self, snapshot):
        pass

    # Images: nothing is copied either way.
    def clone_image(self, context, volume, image_location, image_meta, image_service):
        return None, False

    def copy_image_to_volume(self, context, volume, image_service, image_id):
        pass

    def copy_volume_to_image(self, context, volume, image_service, image_meta):
        pass

    # What the scheduler places volumes by: one pool with room to spare.
    def _update_volume_stats(self):
        self._stats = {
            'volume_backend_name': self.configuration.safe_get('volume_backend_name') or 'k2k-noop',
            'vendor_name': 'k2k test harness',
            'driver_version': self.VERSION,
            'storage_protocol': 'iSCSI',
            'total_capacity_gb': CAPACITY_GB,
            'free_capacity_gb': CAPACITY_GB,
            'reserved_percentage': 0,
            'thin_provisioning_support': True,
            'QoS_support': False,
        }

    def get_volume_stats(self, refresh=False):
        if refresh or not self._stats:
            self._update_volume_stats()
        return self._stats
