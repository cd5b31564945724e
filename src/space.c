/* space.c - sampling and grid enumeration (see space.h). */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "space.h"
#include "xalloc.h"

static json_t *sample_one(const struct hparam *h, struct rng *r)
{
	json_t *obj;

	switch (h->type) {
	case HP_CONST:
		return json_deep_copy(h->val);
	case HP_INT:
		return json_integer(h->imin + (int64_t)rng_intn(
			r, (uint64_t)(h->imax - h->imin) + 1));
	case HP_DOUBLE:
		return json_real(rng_uniform(r, h->min, h->max));
	case HP_LOG:
		return json_real(pow(h->base, rng_uniform(r, h->min, h->max)));
	case HP_CATEGORICAL:
		return json_deep_copy(json_array_get(
			h->vals, rng_intn(r, json_array_size(h->vals))));
	case HP_NESTED:
		obj = json_object();
		for (size_t i = 0; i < h->nkids; i++)
			json_object_set_new(obj, h->kids[i].name,
					    sample_one(&h->kids[i], r));
		return obj;
	}
	return json_null();
}

json_t *space_sample(const struct hparam *root, struct rng *r)
{
	return sample_one(root, r);
}

/* Determined rounds grid ints with Go's math.Round: half away from zero,
 * which is C's round(). */
json_t *space_grid_axis(const struct hparam *h)
{
	json_t *a = json_array();
	int64_t c;

	switch (h->type) {
	case HP_CONST:
		json_array_append(a, h->val);
		break;
	case HP_CATEGORICAL:
		json_array_extend(a, h->vals);
		break;
	case HP_INT:
		c = h->count;
		if ((uint64_t)c > (uint64_t)(h->imax - h->imin) + 1)
			c = h->imax - h->imin + 1;
		if (c == 1) {
			json_array_append_new(a, json_integer((int64_t)round(
				((double)h->imin + (double)h->imax) / 2)));
			break;
		}
		for (int64_t i = 0; i < c; i++)
			json_array_append_new(a, json_integer((int64_t)round(
				(double)h->imin + (double)i *
				(double)(h->imax - h->imin) / (double)(c - 1))));
		break;
	case HP_DOUBLE:
	case HP_LOG:
		for (int64_t i = 0; i < h->count; i++) {
			double x = h->count == 1 ? (h->min + h->max) / 2
				 : h->min + (double)i * (h->max - h->min) /
					   (double)(h->count - 1);
			json_array_append_new(a, json_real(
				h->type == HP_LOG ? pow(h->base, x) : x));
		}
		break;
	case HP_NESTED:	/* only an empty {}: a one-point axis */
		json_array_append_new(a, json_object());
		break;
	}
	return a;
}

struct axis {
	const char *path[HP_MAX_DEPTH];
	size_t depth;
	json_t *vals;
};

struct axes {
	struct axis *v;
	size_t n;
};

static void collect_axes(const struct hparam *h, struct axes *ax,
			 const char **path, size_t depth)
{
	if (h->type == HP_NESTED && (h->nkids > 0 || depth == 0)) {
		for (size_t i = 0; i < h->nkids && depth < HP_MAX_DEPTH; i++) {
			path[depth] = h->kids[i].name;
			collect_axes(&h->kids[i], ax, path, depth + 1);
		}
		return;
	}
	ax->v = xreallocarray(ax->v, ax->n + 1, sizeof(*ax->v));
	for (size_t i = 0; i < depth; i++)
		ax->v[ax->n].path[i] = path[i];
	ax->v[ax->n].depth = depth;
	ax->v[ax->n].vals = space_grid_axis(h);
	ax->n++;
}

static void axes_release(struct axes *ax)
{
	for (size_t i = 0; i < ax->n; i++)
		json_decref(ax->v[i].vals);
	free(ax->v);
}

static uint64_t axis_len(const struct hparam *h)
{
	uint64_t span;

	switch (h->type) {
	case HP_CATEGORICAL:
		return json_array_size(h->vals);
	case HP_INT:
		span = (uint64_t)(h->imax - h->imin) + 1;
		return (uint64_t)h->count < span ? (uint64_t)h->count : span;
	case HP_DOUBLE:
	case HP_LOG:
		return (uint64_t)h->count;
	default:
		return 1;
	}
}

/* Counted without building the axes: a count of 10^9 must not allocate. */
static uint64_t grid_size(const struct hparam *h, int depth, bool *any)
{
	uint64_t n = 1;

	if (h->type != HP_NESTED || (h->nkids == 0 && depth > 0)) {
		*any = true;
		return axis_len(h);
	}
	for (size_t i = 0; i < h->nkids; i++) {
		uint64_t k = grid_size(&h->kids[i], depth + 1, any);
		n = (k && n > UINT64_MAX / k) ? UINT64_MAX : n * k;
	}
	return n;
}

uint64_t space_grid_size(const struct hparam *root)
{
	bool any = false;
	uint64_t n = grid_size(root, 0, &any);

	return any ? n : 0;
}

static void set_path(json_t *obj, const struct axis *a, json_t *val)
{
	for (size_t i = 0; i + 1 < a->depth; i++) {
		json_t *next = json_object_get(obj, a->path[i]);
		if (!next) {
			next = json_object();
			json_object_set_new(obj, a->path[i], next);
		}
		obj = next;
	}
	json_object_set(obj, a->path[a->depth - 1], val);
}

json_t *space_grid(const struct hparam *root, struct hps_error *err)
{
	const char *path[HP_MAX_DEPTH];
	struct axes ax = {0};
	uint64_t total = space_grid_size(root);
	json_t *points;
	size_t *idx;

	if (total > SPACE_GRID_MAX) {
		hps_errorf(err, "the grid has %llu points, more than the %d allowed",
			   (unsigned long long)total, SPACE_GRID_MAX);
		return NULL;
	}
	points = json_array();
	collect_axes(root, &ax, path, 0);
	idx = xcalloc(ax.n + 1, sizeof(*idx));
	for (uint64_t p = 0; p < total; p++) {
		json_t *pt = json_object();
		for (size_t i = 0; i < ax.n; i++)
			set_path(pt, &ax.v[i], json_array_get(ax.v[i].vals, idx[i]));
		json_array_append_new(points, pt);
		/* odometer: the last axis varies fastest */
		for (size_t i = ax.n; i-- > 0;) {
			if (++idx[i] < json_array_size(ax.v[i].vals))
				break;
			idx[i] = 0;
		}
	}
	free(idx);
	axes_release(&ax);
	return points;
}
