/* slurmlib.h - libslurm, reached with dlopen when it matches.
 *
 * libslurm's soname and structs change with every Slurm release, so
 * hpsearch never links it: at run time it opens libslurm, and uses it for
 * job state and cancellation only when its API version is the one
 * hpsearch was built against.  Otherwise (or when hpsearch was built
 * without Slurm's headers) the client commands serve, and slurmlib_why()
 * says which is in use and why.
 */
#ifndef HPS_SLURMLIB_H
#define HPS_SLURMLIB_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "slurmcli.h"

struct slurmlib;

/* slurmlib_open: the library, or NULL (why tells; never fatal).  init:
 * make it ready to talk to the controller (false: only to say which
 * access would be used). */
struct slurmlib *slurmlib_open(bool init, char *why, size_t len);
void slurmlib_close(struct slurmlib *l);

/* The same contracts as slurm_query and slurm_cancel (slurmcli.h). */
int slurmlib_query(struct slurmlib *l, const char *prefix, struct sjobs *out,
		   struct hps_error *err);
int slurmlib_cancel(struct slurmlib *l, char **specs, size_t n,
		    struct hps_error *err);

#endif
