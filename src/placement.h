/* placement.h - which slots a machine offers and how trials are placed on
 * them (the only module that includes <hwloc.h>).
 *
 * Slots are GPUs when there are any, else CPU cores.  GPUs are found as
 * PCI devices (NVIDIA or AMD, display class; a BMC's VGA adapter is not a
 * GPU) and through the OS devices hwloc's plugins add (cudaN, nvmlN,
 * rsmiN, openclXdY, cardN, renderDN); one physical GPU counts once, keyed
 * by its PCI bus id, and its index is its rank by bus id (what CUDA
 * numbers with CUDA_DEVICE_ORDER=PCI_BUS_ID).  The topology is the
 * running machine's, or an XML file (HWLOC_XMLFILE, or xml_path).
 *
 * A plan splits the GPUs on offer into disjoint groups of slots_per_trial
 * that are closest: highest interconnect bandwidth where the topology
 * carries it (NVLink/XGMI matrices), then the deepest common ancestor
 * (same PCIe switch, then host bridge, NUMA node, package); then gives
 * each group the cores near it (split fairly between groups that share a
 * NUMA node), within the allowed cpuset.  Deterministic.
 */
#ifndef HPS_PLACEMENT_H
#define HPS_PLACEMENT_H

#include <jansson.h>

#include "error.h"

struct slots {
	int n;			/* slots on offer */
	int gpus;		/* GPUs found (0: the slots are cores) */
	int cores;
};

/* placement_count: count what the machine (or XML) offers. */
int placement_count(const char *xml_path, struct slots *out,
		    struct hps_error *err);

struct gpu {
	int index;		/* rank by PCI bus id among the node's GPUs */
	char busid[32];		/* "0000:3b:00.0" */
	char name[96];
	char vendor[16];	/* "nvidia", "amd" */
	char uuid[64];
	char osdevs[96];	/* "cuda0,nvml0,opencl0d0" */
	char visible[64];	/* how CUDA_VISIBLE_DEVICES names it */
};

struct slot_group {
	int *gpus;		/* indices into plan->gpus */
	int ngpus;
	int *cpus;		/* PU OS indices to bind to */
	int ncpus;
	int *numa;		/* NUMA node OS indices */
	int nnuma;
};

struct placement {
	struct gpu *gpus;	/* the GPUs on offer, by index */
	int ngpus;
	int ncores;		/* cores allowed */
	struct slot_group *g;
	int ng;
};

/* placement_plan: groups of per_group slots.  offered: a
 * CUDA_VISIBLE_DEVICES-style list (indices, GPU UUIDs, MIG ids) or a
 * Slurm GPU list, restricting the GPUs on offer; NULL: all of them. */
int placement_plan(const char *xml_path, const char *offered, int per_group,
		   struct placement *out, struct hps_error *err);
/* placement_plan_trusted: the same, for a list Slurm gave: a GPU that
 * hwloc cannot see (no PCI information in a container, fake GRES) is an
 * opaque slot rather than an error. */
int placement_plan_trusted(const char *offered, int per_group,
			   struct placement *out, struct hps_error *err);
void placement_release(struct placement *p);

/* placement_visible: the CUDA_VISIBLE_DEVICES value of a group (caller
 * frees); NULL for a CPU group. */
char *placement_visible(const struct placement *p, const struct slot_group *g);
/* placement_cpus: "0,1,2" (caller frees). */
char *placement_cpus(const struct slot_group *g);

/* placement_json: slots --json ({"groups": [{gpus, cores, numa}]}). */
json_t *placement_json(const struct placement *p);

/* placement_bind: bind this process (and its children) to these PUs. */
int placement_bind(const char *cpus, struct hps_error *err);

#endif
