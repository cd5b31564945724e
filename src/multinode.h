/* multinode.h - trials that span nodes (slurm.slots_per_node).
 *
 * The batch task (the first node) claims the run as usual, then starts
 * hpsearch exec --rank on every node of the allocation with srun, one
 * task per node; each rank sets the torchrun variables and becomes the
 * entrypoint.  MASTER_ADDR is the first node's address as Slurm knows it
 * (NodeAddr: node names need not resolve); MASTER_PORT is a port rank 0
 * found free and published in the run directory before the others read
 * it, so two trials never collide.
 */
#ifndef HPS_MULTINODE_H
#define HPS_MULTINODE_H

#include "error.h"
#include "experiment.h"
#include "runproc.h"

struct rank_args {
	const char *dir;
	int64_t trial, run;
	uint64_t length;
	const char *master_addr;
};

/* multinode_launch: from the batch task: srun the ranks and wait; the
 * result is srun's (the first failing rank's). */
int multinode_launch(const struct experiment *e, const struct rank_args *r,
		     const char *rundir, struct run_result *res,
		     struct hps_error *err);

/* multinode_master_addr: NodeAddr of this node (the batch host), or its
 * host name (caller frees). */
char *multinode_master_addr(void);

/* multinode_vars: the rank's NODE_RANK, NNODES, LOCAL_WORLD_SIZE,
 * WORLD_SIZE, MASTER_ADDR and MASTER_PORT as "NAME=VALUE" strings
 * appended to env (which grows; returns the new array, or NULL). */
char **multinode_vars(char **env, const struct hps_config *cfg,
		      const struct rank_args *r, const char *rundir,
		      struct hps_error *err);

#endif
