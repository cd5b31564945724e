/* placement_internal.h - shared by placement.c and placement_plan.c. */
#ifndef HPS_PLACEMENT_INTERNAL_H
#define HPS_PLACEMENT_INTERNAL_H

#include <hwloc.h>
#include <stdbool.h>

#include "placement.h"

struct tgpu {
	struct gpu gpu;
	hwloc_obj_t pci;	/* its PCI device */
};

struct tgpus {
	struct tgpu *v;
	int n;
};

int topo_load(const char *xml, hwloc_topology_t *topo, struct hps_error *err);
/* topo_gpus: the GPUs, one per PCI bus id, ranked by bus id. */
void topo_gpus(hwloc_topology_t topo, struct tgpus *g);

#endif
