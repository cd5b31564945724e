/* tasks.c - fuzz harness: a Slurm array's task map (arrays/<n>.tasks) as
 * `hpsearch exec --tasks` reads it: parsed as fs_read_json parses a file,
 * then looked up by the task index Slurm passes in the environment.
 *
 * Input: the index (SLURM_ARRAY_TASK_ID's text) up to the first newline,
 * then the file's bytes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sbatch_script.h"
#include "xalloc.h"

int fuzz_tasks(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *nl = memchr(buf, '\n', size);
	size_t ilen = nl ? (size_t)(nl - buf) : size;
	char *idx = xstrndup(buf, ilen);
	json_error_t je;
	json_t *map;
	int64_t trial, run;
	uint64_t length;

	map = nl ? json_loadb(nl + 1, size - ilen - 1, 0, &je) : NULL;
	if (map && sbatch_task_of(map, idx, &trial, &run, &length) == 0 &&
	    (trial < 1 || run < 1))
		abort();	/* the documented contract */
	json_decref(map);
	free(idx);
	return 0;
}

FUZZ_TARGET(fuzz_tasks)
