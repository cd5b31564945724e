/* placement.c - GPUs and cores of a machine, from hwloc (see placement.h).
 * The grouping lives in placement_plan.c. */
#include "config.h"

#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"
#include "placement_internal.h"
#include "xalloc.h"

#define PCI_VENDOR_NVIDIA 0x10de
#define PCI_VENDOR_AMD 0x1002

static bool gpu_vendor(unsigned v)
{
	return v == PCI_VENDOR_NVIDIA || v == PCI_VENDOR_AMD;
}

/* Display controllers are PCI class 0x03: VGA (0x0300), XGA, 3D (0x0302),
 * other (0x0380).  BMC adapters (ASPEED, Matrox) are VGA too: the vendor
 * decides. */
static bool pci_is_gpu(hwloc_obj_t o)
{
	return (o->attr->pcidev.class_id >> 8) == 0x03 &&
	       gpu_vendor(o->attr->pcidev.vendor_id);
}

int topo_load(const char *xml, hwloc_topology_t *topo, struct hps_error *err)
{
	if (hwloc_topology_init(topo) < 0)
		return hps_errorf(err, "cannot initialise hwloc");
	/* hwloc drops I/O objects by default: GPUs are I/O objects. */
	hwloc_topology_set_io_types_filter(*topo, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
	if (xml && hwloc_topology_set_xml(*topo, xml) < 0) {
		hwloc_topology_destroy(*topo);
		return hps_errorf(err, "cannot read the topology '%s'", xml);
	}
	if (hwloc_topology_load(*topo) < 0) {
		hwloc_topology_destroy(*topo);
		return hps_errorf(err, "cannot load the hardware topology%s%s",
				  xml ? " from " : "", xml ? xml : "");
	}
	return 0;
}

static hwloc_obj_t pci_of(hwloc_obj_t o)
{
	while (o && o->type != HWLOC_OBJ_PCI_DEVICE)
		o = o->parent;
	return o;
}

static void busid(hwloc_obj_t pci, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%01x", pci->attr->pcidev.domain,
		 pci->attr->pcidev.bus, pci->attr->pcidev.dev, pci->attr->pcidev.func);
}

static struct tgpu *find_or_add(struct tgpus *g, hwloc_obj_t pci)
{
	char id[32];

	busid(pci, id, sizeof(id));
	for (int i = 0; i < g->n; i++)
		if (!strcmp(g->v[i].gpu.busid, id))
			return &g->v[i];
	g->v = xreallocarray(g->v, (size_t)g->n + 1, sizeof(*g->v));
	memset(&g->v[g->n], 0, sizeof(g->v[g->n]));
	g->v[g->n].pci = pci;
	snprintf(g->v[g->n].gpu.busid, sizeof(g->v[g->n].gpu.busid), "%s", id);
	snprintf(g->v[g->n].gpu.vendor, sizeof(g->v[g->n].gpu.vendor), "%s",
		 pci->attr->pcidev.vendor_id == PCI_VENDOR_AMD ? "amd" : "nvidia");
	snprintf(g->v[g->n].gpu.name, sizeof(g->v[g->n].gpu.name), "%s",
		 hwloc_obj_get_info_by_name(pci, "PCIDevice") ?: "GPU");
	return &g->v[g->n++];
}

/* OS devices hwloc's plugins add; a DRM card or an OpenCL device counts
 * only on an NVIDIA or AMD PCI device (a BMC has a DRM card too, and
 * OpenCL runs on CPUs). */
static bool osdev_is_gpu(hwloc_obj_t o, hwloc_obj_t pci)
{
	static const char *const always[] = {"cuda", "nvml", "rsmi", NULL};
	static const char *const on_gpu[] = {"opencl", "card", "renderD", NULL};

	if (!o->name || !pci)
		return false;
	for (int i = 0; always[i]; i++)
		if (!strncmp(o->name, always[i], strlen(always[i])))
			return true;
	for (int i = 0; on_gpu[i]; i++)
		if (!strncmp(o->name, on_gpu[i], strlen(on_gpu[i])))
			return gpu_vendor(pci->attr->pcidev.vendor_id);
	return false;
}

static void add_osdev(struct tgpu *t, hwloc_obj_t o)
{
	const char *model = hwloc_obj_get_info_by_name(o, "GPUModel");
	const char *uuid = hwloc_obj_get_info_by_name(o, "NVIDIAUUID");
	size_t l = strlen(t->gpu.osdevs);

	if (!uuid)
		uuid = hwloc_obj_get_info_by_name(o, "AMDUUID");
	snprintf(t->gpu.osdevs + l, sizeof(t->gpu.osdevs) - l, "%s%s", l ? "," : "", o->name);
	if (model)
		snprintf(t->gpu.name, sizeof(t->gpu.name), "%s", model);
	if (uuid && !t->gpu.uuid[0])
		snprintf(t->gpu.uuid, sizeof(t->gpu.uuid), "%s%s",
			 strncmp(uuid, "GPU-", 4) && o->name[0] != 'r' ? "GPU-" : "", uuid);
}

static int by_busid(const void *a, const void *b)
{
	return strcmp(((const struct tgpu *)a)->gpu.busid, ((const struct tgpu *)b)->gpu.busid);
}

void topo_gpus(hwloc_topology_t topo, struct tgpus *g)
{
	hwloc_obj_t o = NULL;

	memset(g, 0, sizeof(*g));
	while ((o = hwloc_get_next_pcidev(topo, o)))
		if (pci_is_gpu(o))
			find_or_add(g, o);
	o = NULL;
	while ((o = hwloc_get_next_osdev(topo, o))) {
		hwloc_obj_t pci = pci_of(o->parent);
		if (osdev_is_gpu(o, pci))
			add_osdev(find_or_add(g, pci), o);
	}
	if (g->n)
		qsort(g->v, (size_t)g->n, sizeof(*g->v), by_busid);
	for (int i = 0; i < g->n; i++) {
		g->v[i].gpu.index = i;
		snprintf(g->v[i].gpu.visible, sizeof(g->v[i].gpu.visible), "%d", i);
	}
}

int placement_count(const char *xml_path, struct slots *out,
		    struct hps_error *err)
{
	hwloc_topology_t topo;
	struct tgpus g;

	out->n = out->gpus = out->cores = 0;
	if (topo_load(xml_path, &topo, err) < 0)
		return -1;
	topo_gpus(topo, &g);
	out->gpus = g.n;
	out->cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	if (out->cores <= 0)
		out->cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	out->n = out->gpus ? out->gpus : out->cores;
	free(g.v);
	hwloc_topology_destroy(topo);
	return 0;
}

int placement_bind(const char *cpus, struct hps_error *err)
{
	hwloc_topology_t topo;
	hwloc_bitmap_t set;
	int rc = 0;

	if (!cpus || !*cpus)
		return 0;
	if (hwloc_topology_init(&topo) < 0 || hwloc_topology_load(topo) < 0)
		return hps_errorf(err, "cannot load the hardware topology");
	set = hwloc_bitmap_alloc();
	if (hwloc_bitmap_list_sscanf(set, cpus) < 0)
		rc = hps_errorf(err, "'%s' is not a CPU list", cpus);
	else if (hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) < 0)
		rc = hps_errorf_errno(err, "cannot bind to CPUs %s", cpus);
	hwloc_bitmap_free(set);
	hwloc_topology_destroy(topo);
	return rc;
}
