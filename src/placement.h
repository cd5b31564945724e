/* placement.h - how many slots this machine offers (the only module that
 * includes <hwloc.h>).
 *
 * Slots are GPUs when hwloc finds any (PCI display/3D-class devices of
 * NVIDIA or AMD; a BMC's VGA adapter is not a GPU), else CPU cores.  The
 * topology is the running machine's, or an XML file (HWLOC_XMLFILE, which
 * hwloc honours itself, or xml_path).  GPU locality is a later step; this
 * counts.
 */
#ifndef HPS_PLACEMENT_H
#define HPS_PLACEMENT_H

#include "error.h"

struct slots {
	int n;			/* slots on offer */
	int gpus;		/* GPUs found (0: the slots are cores) */
	int cores;
};

int placement_count(const char *xml_path, struct slots *out,
		    struct hps_error *err);

#endif
