/* sim_heap.c - the simulator's event queue: a binary min-heap on
 * (time, seq) (see sim_internal.h). */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include "sim_internal.h"
#include "xalloc.h"

static bool before(const struct sim_event *a, const struct sim_event *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void swap(struct sim_event *a, struct sim_event *b)
{
	struct sim_event t = *a;

	*a = *b;
	*b = t;
}

void sim_heap_push(struct sim_heap *h, struct sim_event ev)
{
	size_t i;

	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 256;
		h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
	}
	ev.seq = h->seq++;
	i = h->n++;
	h->v[i] = ev;
	while (i > 0 && before(&h->v[i], &h->v[(i - 1) / 2])) {
		swap(&h->v[i], &h->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

bool sim_heap_pop(struct sim_heap *h, struct sim_event *ev)
{
	size_t i = 0;

	if (!h->n)
		return false;
	*ev = h->v[0];
	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && before(&h->v[l], &h->v[m]))
			m = l;
		if (r < h->n && before(&h->v[r], &h->v[m]))
			m = r;
		if (m == i)
			return true;
		swap(&h->v[i], &h->v[m]);
		i = m;
	}
}

void sim_heap_release(struct sim_heap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}
