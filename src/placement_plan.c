/* placement_plan.c - grouping the slots on offer (see placement.h). */
#include "config.h"

#include <ctype.h>
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"
#include "placement_internal.h"
#include "xalloc.h"

#define SEARCH_LIMIT 200000	/* combinations tried before going greedy */

struct near {
	int n;
	double *bw;		/* n x n interconnect bandwidth (0: none) */
	int *depth;		/* n x n depth of the deepest common ancestor */
};

/* ---- the GPUs on offer ---- */

static int match(const struct tgpus *all, const char *tok)
{
	if (*tok && strspn(tok, "0123456789") == strlen(tok))
		return atoi(tok) < all->n ? atoi(tok) : -1;
	for (int i = 0; i < all->n; i++)
		if ((all->v[i].gpu.uuid[0] && !strncmp(all->v[i].gpu.uuid, tok, strlen(tok))) ||
		    !strcasecmp(all->v[i].gpu.busid, tok))
			return i;
	return -1;
}

/* MIG instances (and, trusted, GPUs hwloc cannot see) go last, as opaque
 * slots: no bus id, no locality. */
static void add_opaque(struct tgpus *all, const char *list, bool trust)
{
	char *copy = xstrdup(list), *tok, *save = NULL;
	int seen = all->n;

	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		struct tgpu *t;
		bool known = false;
		for (int i = 0; i < seen; i++)
			known |= !strcmp(all->v[i].gpu.visible, tok);
		if (known || (!trust && strncmp(tok, "MIG-", 4)))
			continue;
		all->v = xreallocarray(all->v, (size_t)all->n + 1, sizeof(*all->v));
		t = &all->v[all->n++];
		memset(t, 0, sizeof(*t));
		t->gpu.index = -1;
		snprintf(t->gpu.name, sizeof(t->gpu.name), "%s",
			 strncmp(tok, "MIG-", 4) ? "GPU (not seen by hwloc)" : "MIG instance");
		snprintf(t->gpu.vendor, sizeof(t->gpu.vendor), "nvidia");
		snprintf(t->gpu.visible, sizeof(t->gpu.visible), "%s", tok);
	}
	free(copy);
}

/* offer: keep the GPUs a CUDA_VISIBLE_DEVICES-style list names, in index
 * order, each remembering how the list named it. */
static int offer(struct tgpus *all, const char *list, bool trust,
		 struct hps_error *err)
{
	char *copy, *tok, *save = NULL;
	bool *keep;
	int rc = 0, n = 0, nmig = 0;

	if (!list)
		return 0;
	keep = xcalloc((size_t)all->n + 1, sizeof(*keep));
	copy = xstrdup(list);
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		int i = match(all, tok);
		if (i < 0 && (trust || !strncmp(tok, "MIG-", 4))) {
			nmig++;	/* a MIG instance: a slot whose place hwloc cannot tell */
			continue;
		}
		if (i < 0) {
			rc = hps_errorf(err, "the GPU list names '%s', which this machine does not have (it has %d GPU%s)",
					tok, all->n, all->n == 1 ? "" : "s");
			break;
		}
		keep[i] = true;
		snprintf(all->v[i].gpu.visible, sizeof(all->v[i].gpu.visible), "%s", tok);
	}
	for (int i = 0; rc == 0 && i < all->n; i++)
		if (keep[i])
			all->v[n++] = all->v[i];
	if (rc == 0)
		all->n = n;
	free(copy);
	free(keep);
	if (rc == 0 && nmig)
		add_opaque(all, list, trust);
	return rc;
}

/* ---- how near two GPUs are ---- */

static int depth_of(hwloc_obj_t o)
{
	int d = 0;

	for (; o && o->parent; o = o->parent)
		d++;
	return d;
}

/* The deepest common ancestor of two objects (I/O objects included, which
 * hwloc's helper does not walk). */
static int common_depth(hwloc_obj_t a, hwloc_obj_t b)
{
	for (hwloc_obj_t x = a; x; x = x->parent)
		for (hwloc_obj_t y = b; y; y = y->parent)
			if (x == y)
				return depth_of(x);
	return 0;
}

static int gpu_of(const struct tgpus *g, hwloc_obj_t o)
{
	while (o && o->type != HWLOC_OBJ_PCI_DEVICE)
		o = o->parent;
	for (int i = 0; o && i < g->n; i++)
		if (g->v[i].pci == o)
			return i;
	return -1;
}

static void bandwidths(hwloc_topology_t topo, const struct tgpus *g, double *bw)
{
	unsigned nr = 0;
	struct hwloc_distances_s **d;

	if (hwloc_distances_get(topo, &nr, NULL, HWLOC_DISTANCES_KIND_MEANS_BANDWIDTH, 0) < 0 || !nr)
		return;
	d = xcalloc(nr, sizeof(*d));
	if (hwloc_distances_get(topo, &nr, d, HWLOC_DISTANCES_KIND_MEANS_BANDWIDTH, 0) == 0) {
		for (unsigned k = 0; k < nr; k++) {
			unsigned n = d[k]->nbobjs;
			for (unsigned i = 0; i < n; i++)
				for (unsigned j = 0; j < n; j++) {
					int a = gpu_of(g, d[k]->objs[i]), b = gpu_of(g, d[k]->objs[j]);
					double v = (double)d[k]->values[i * n + j];
					if (a >= 0 && b >= 0 && a != b && v > bw[a * g->n + b])
						bw[a * g->n + b] = bw[b * g->n + a] = v;
				}
			hwloc_distances_release(topo, d[k]);
		}
	}
	free(d);
}

static void nearness(hwloc_topology_t topo, const struct tgpus *g, struct near *nr)
{
	nr->n = g->n;
	nr->bw = xcalloc((size_t)g->n * (size_t)g->n + 1, sizeof(double));
	nr->depth = xcalloc((size_t)g->n * (size_t)g->n + 1, sizeof(int));
	for (int i = 0; i < g->n; i++)
		for (int j = 0; j < g->n; j++)
			nr->depth[i * g->n + j] = common_depth(g->v[i].pci, g->v[j].pci);
	bandwidths(topo, g, nr->bw);
}

/* ---- choosing groups ---- */

struct score {
	double min_bw, sum_bw;
	int min_depth, sum_depth;
};

static struct score score_of(const struct near *nr, const int *s, int k)
{
	struct score sc = {.min_bw = 1e300, .min_depth = 1 << 30};

	if (k == 1)
		return (struct score){0, 0, 0, 0};
	for (int a = 0; a < k; a++)
		for (int b = a + 1; b < k; b++) {
			double bw = nr->bw[s[a] * nr->n + s[b]];
			int d = nr->depth[s[a] * nr->n + s[b]];
			sc.min_bw = bw < sc.min_bw ? bw : sc.min_bw;
			sc.min_depth = d < sc.min_depth ? d : sc.min_depth;
			sc.sum_bw += bw;
			sc.sum_depth += d;
		}
	return sc;
}

/* better: bandwidth first, then the common ancestor; a tie keeps the
 * earlier (lower indices): deterministic. */
static bool better(struct score a, struct score b)
{
	if (a.min_bw != b.min_bw)
		return a.min_bw > b.min_bw;
	if (a.min_depth != b.min_depth)
		return a.min_depth > b.min_depth;
	if (a.sum_bw != b.sum_bw)
		return a.sum_bw > b.sum_bw;
	return a.sum_depth > b.sum_depth;
}

static double combinations(int n, int k)
{
	double c = 1;

	for (int i = 1; i <= k; i++)
		c = c * (n - k + i) / i;
	return c;
}

/* best_group: the best k of the free GPUs, exhaustively when that is
 * cheap, else greedily from the lowest free one. */
static void best_group(const struct near *nr, const int *free_idx, int nfree,
		       int k, int *out)
{
	int *pos = xcalloc((size_t)k + 1, sizeof(int)), *cur = xcalloc((size_t)k + 1, sizeof(int));
	struct score best = {-1, -1, -1, -1};

	if (combinations(nfree, k) <= SEARCH_LIMIT) {
		for (int i = 0; i < k; i++)
			pos[i] = i;
		for (;;) {
			for (int i = 0; i < k; i++)
				cur[i] = free_idx[pos[i]];
			struct score s = score_of(nr, cur, k);
			if (best.min_bw < 0 || better(s, best)) {
				best = s;
				memcpy(out, cur, (size_t)k * sizeof(int));
			}
			int i = k - 1;
			while (i >= 0 && pos[i] == nfree - k + i)
				i--;
			if (i < 0)
				break;
			pos[i]++;
			for (int j = i + 1; j < k; j++)
				pos[j] = pos[j - 1] + 1;
		}
	} else {
		bool *used = xcalloc((size_t)nfree, sizeof(bool));
		out[0] = free_idx[0];
		used[0] = true;
		for (int m = 1; m < k; m++) {
			int pick = -1;
			struct score ps = {-1, -1, -1, -1};
			for (int c = 0; c < nfree; c++) {
				if (used[c])
					continue;
				out[m] = free_idx[c];
				struct score s = score_of(nr, out, m + 1);
				if (pick < 0 || better(s, ps)) {
					ps = s;
					pick = c;
				}
			}
			out[m] = free_idx[pick];
			used[pick] = true;
		}
		free(used);
	}
	free(pos);
	free(cur);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int by_first_gpu(const void *a, const void *b)
{
	return ((const struct slot_group *)a)->gpus[0] - ((const struct slot_group *)b)->gpus[0];
}

static void gpu_groups(const struct near *nr, int k, struct placement *p)
{
	int *free_idx = xcalloc((size_t)nr->n + 1, sizeof(int)), nfree = nr->n;

	for (int i = 0; i < nr->n; i++)
		free_idx[i] = i;
	p->g = xcalloc((size_t)(nr->n / k) + 1, sizeof(*p->g));
	while (nfree >= k) {
		struct slot_group *g = &p->g[p->ng++];
		int w = 0;
		g->gpus = xcalloc((size_t)k, sizeof(int));
		g->ngpus = k;
		best_group(nr, free_idx, nfree, k, g->gpus);
		qsort(g->gpus, (size_t)k, sizeof(int), cmp_int);
		for (int i = 0; i < nfree; i++) {
			bool taken = false;
			for (int j = 0; j < k; j++)
				taken |= free_idx[i] == g->gpus[j];
			if (!taken)
				free_idx[w++] = free_idx[i];
		}
		nfree = w;
	}
	/* Listed by their first GPU, whatever order they were found in. */
	qsort(p->g, (size_t)p->ng, sizeof(*p->g), by_first_gpu);
	free(free_idx);
}

/* ---- cores ---- */

static void set_cpus(hwloc_topology_t topo, struct slot_group *g, hwloc_const_bitmap_t set)
{
	hwloc_bitmap_t nodes = hwloc_bitmap_alloc();
	int i;

	g->cpus = xcalloc((size_t)hwloc_bitmap_weight(set) + 1, sizeof(int));
	hwloc_bitmap_foreach_begin(i, set)
		g->cpus[g->ncpus++] = i;
	hwloc_bitmap_foreach_end();
	hwloc_cpuset_to_nodeset(topo, set, nodes);
	g->numa = xcalloc((size_t)hwloc_bitmap_weight(nodes) + 1, sizeof(int));
	hwloc_bitmap_foreach_begin(i, nodes)
		g->numa[g->nnuma++] = i;
	hwloc_bitmap_foreach_end();
	hwloc_bitmap_free(nodes);
}

/* The r-th of m fair shares of the cores in set (m groups share it). */
static void share(hwloc_topology_t topo, hwloc_const_bitmap_t set, int r, int m,
		  hwloc_bitmap_t out)
{
	int c = hwloc_get_nbobjs_inside_cpuset_by_type(topo, set, HWLOC_OBJ_CORE);

	hwloc_bitmap_zero(out);
	if (c <= 0) {
		hwloc_bitmap_copy(out, set);
		return;
	}
	int lo = c >= m ? r * c / m : r % c, hi = c >= m ? (r + 1) * c / m : lo + 1;
	for (int i = lo; i < hi; i++) {
		hwloc_obj_t core = hwloc_get_obj_inside_cpuset_by_type(topo, set, HWLOC_OBJ_CORE, (unsigned)i);
		hwloc_bitmap_or(out, out, core->cpuset);
	}
	hwloc_bitmap_and(out, out, set);
}

static void gpu_cores(hwloc_topology_t topo, const struct tgpus *all, struct placement *p)
{
	hwloc_bitmap_t *near = xcalloc((size_t)p->ng + 1, sizeof(*near));
	hwloc_bitmap_t mine = hwloc_bitmap_alloc();
	hwloc_const_bitmap_t allowed = hwloc_topology_get_allowed_cpuset(topo);

	for (int i = 0; i < p->ng; i++) {
		near[i] = hwloc_bitmap_alloc();
		for (int j = 0; j < p->g[i].ngpus; j++) {
			hwloc_obj_t pci = all->v[p->g[i].gpus[j]].pci;
			hwloc_obj_t a = pci ? hwloc_get_non_io_ancestor_obj(topo, pci)
					    : hwloc_get_root_obj(topo);
			if (a && a->cpuset)
				hwloc_bitmap_or(near[i], near[i], a->cpuset);
		}
		hwloc_bitmap_and(near[i], near[i], allowed);
	}
	for (int i = 0; i < p->ng; i++) {
		int r = 0, m = 0;
		for (int j = 0; j < p->ng; j++) {
			if (hwloc_bitmap_isequal(near[j], near[i])) {
				r += j < i;
				m++;
			}
		}
		share(topo, near[i], r, m, mine);
		set_cpus(topo, &p->g[i], mine);
	}
	for (int i = 0; i < p->ng; i++)
		hwloc_bitmap_free(near[i]);
	free(near);
	hwloc_bitmap_free(mine);
}

static void cpu_groups(hwloc_topology_t topo, int k, struct placement *p)
{
	hwloc_const_bitmap_t allowed = hwloc_topology_get_allowed_cpuset(topo);
	int c = hwloc_get_nbobjs_inside_cpuset_by_type(topo, allowed, HWLOC_OBJ_CORE);
	hwloc_bitmap_t set = hwloc_bitmap_alloc();

	p->ncores = c;
	p->g = xcalloc((size_t)(c / k) + 1, sizeof(*p->g));
	for (int i = 0; i + k <= c; i += k) {
		hwloc_bitmap_zero(set);
		for (int j = i; j < i + k; j++)
			hwloc_bitmap_or(set, set, hwloc_get_obj_inside_cpuset_by_type(
				topo, allowed, HWLOC_OBJ_CORE, (unsigned)j)->cpuset);
		hwloc_bitmap_and(set, set, allowed);
		set_cpus(topo, &p->g[p->ng++], set);
	}
	hwloc_bitmap_free(set);
}

static int plan(const char *xml_path, const char *offered, bool trust,
		int per_group, struct placement *out, struct hps_error *err);

int placement_plan(const char *xml_path, const char *offered, int per_group,
		   struct placement *out, struct hps_error *err)
{
	return plan(xml_path, offered, false, per_group, out, err);
}

int placement_plan_trusted(const char *offered, int per_group,
			   struct placement *out, struct hps_error *err)
{
	return plan(NULL, offered, true, per_group, out, err);
}

static int plan(const char *xml_path, const char *offered, bool trust,
		int per_group, struct placement *out, struct hps_error *err)
{
	hwloc_topology_t topo;
	struct tgpus all;
	struct near nr = {0};
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (per_group < 1)
		per_group = 1;
	if (topo_load(xml_path, &topo, err) < 0)
		return -1;
	topo_gpus(topo, &all);
	if (offer(&all, offered, trust, err) < 0)
		goto out;
	out->ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	if (all.n == 0) {
		cpu_groups(topo, per_group, out);
		if (out->ng == 0) {
			hps_errorf(err, "a trial needs %d cores; this machine offers %d", per_group, out->ncores);
			goto out;
		}
	} else {
		if (per_group > all.n) {
			hps_errorf(err, "a trial needs %d GPUs; %d %s on offer", per_group, all.n,
				   all.n == 1 ? "is" : "are");
			goto out;
		}
		nearness(topo, &all, &nr);
		gpu_groups(&nr, per_group, out);
		gpu_cores(topo, &all, out);
		out->ngpus = all.n;
		out->gpus = xcalloc((size_t)all.n, sizeof(*out->gpus));
		for (int i = 0; i < all.n; i++)
			out->gpus[i] = all.v[i].gpu;
	}
	rc = 0;
out:
	if (rc < 0)
		placement_release(out);
	free(nr.bw);
	free(nr.depth);
	free(all.v);
	hwloc_topology_destroy(topo);
	return rc;
}

void placement_release(struct placement *p)
{
	for (int i = 0; i < p->ng; i++) {
		free(p->g[i].gpus);
		free(p->g[i].cpus);
		free(p->g[i].numa);
	}
	free(p->g);
	free(p->gpus);
	memset(p, 0, sizeof(*p));
}

static char *join_ints(const int *v, int n)
{
	char *s = xcalloc((size_t)n * 12 + 2, 1);
	size_t l = 0;

	for (int i = 0; i < n; i++)
		l += (size_t)sprintf(s + l, "%s%d", i ? "," : "", v[i]);
	return s;
}

char *placement_cpus(const struct slot_group *g)
{
	return join_ints(g->cpus, g->ncpus);
}

char *placement_visible(const struct placement *p, const struct slot_group *g)
{
	char *s;
	size_t l = 0;

	if (!g->ngpus)
		return NULL;
	s = xcalloc((size_t)g->ngpus * 66 + 2, 1);
	for (int i = 0; i < g->ngpus; i++)
		l += (size_t)sprintf(s + l, "%s%s", i ? "," : "", p->gpus[g->gpus[i]].visible);
	return s;
}

static json_t *ints(const int *v, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

json_t *placement_json(const struct placement *p)
{
	json_t *groups = json_array();

	for (int i = 0; i < p->ng; i++) {
		const struct slot_group *g = &p->g[i];
		json_t *gpus = json_array();
		for (int j = 0; j < g->ngpus; j++) {
			const struct gpu *u = &p->gpus[g->gpus[j]];
			json_array_append_new(gpus, json_pack("{s:i,s:s,s:s,s:s,s:s}", "index", u->index,
				"name", u->name, "pci_bus_id", u->busid, "vendor", u->vendor,
				"os_devices", u->osdevs));
		}
		json_array_append_new(groups, json_pack("{s:o,s:o,s:o}", "gpus", gpus,
			"cores", ints(g->cpus, g->ncpus), "numa", ints(g->numa, g->nnuma)));
	}
	return json_pack("{s:s,s:i,s:i,s:o}", "slots", p->ngpus ? "gpu" : "cpu",
			 "gpus", p->ngpus, "cores", p->ncores, "groups", groups);
}
