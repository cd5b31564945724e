/* placement.c - counting slots with hwloc (see placement.h). */
#include "config.h"

#include <hwloc.h>

#include "placement.h"

#define PCI_VENDOR_NVIDIA 0x10de
#define PCI_VENDOR_AMD 0x1002

/* Display controllers are PCI class 0x03: VGA (0x0300), XGA, 3D (0x0302)
 * and "other" (0x0380).  BMC adapters (ASPEED, Matrox) are VGA too, so the
 * vendor decides. */
static int is_gpu(hwloc_obj_t o)
{
	unsigned cls = o->attr->pcidev.class_id;

	return (cls >> 8) == 0x03 && (o->attr->pcidev.vendor_id == PCI_VENDOR_NVIDIA ||
				      o->attr->pcidev.vendor_id == PCI_VENDOR_AMD);
}

int placement_count(const char *xml_path, struct slots *out,
		    struct hps_error *err)
{
	hwloc_topology_t topo;
	hwloc_obj_t o = NULL;
	int rc = -1;

	out->n = out->gpus = out->cores = 0;
	if (hwloc_topology_init(&topo) < 0)
		return hps_errorf(err, "cannot initialise hwloc");
	/* hwloc drops I/O objects by default: GPUs are I/O objects. */
	hwloc_topology_set_io_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
	if (xml_path && hwloc_topology_set_xml(topo, xml_path) < 0) {
		hps_errorf(err, "cannot read the topology '%s'", xml_path);
		goto out;
	}
	if (hwloc_topology_load(topo) < 0) {
		hps_errorf(err, "cannot load the hardware topology");
		goto out;
	}
	while ((o = hwloc_get_next_pcidev(topo, o)))
		out->gpus += is_gpu(o);
	out->cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	if (out->cores <= 0)
		out->cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	out->n = out->gpus ? out->gpus : out->cores;
	rc = 0;
out:
	hwloc_topology_destroy(topo);
	return rc;
}
