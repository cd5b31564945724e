/* diag.c - config diagnostics (see diag.h). */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"

#define DIAG_PATH_MAX 300	/* characters of a field path shown */

void diag_init(struct diag *d, const char *file)
{
	memset(d, 0, sizeof(*d));
	d->file = xstrdup(file ? file : "<config>");
	d->limit = 100;
}

void diag_release(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].path);
		free(d->v[i].msg);
	}
	free(d->v);
	free(d->file);
	memset(d, 0, sizeof(*d));
}

void diag_add(struct diag *d, enum diag_level level, int line, int col,
	      const char *path, const char *fmt, ...)
{
	struct diag_entry *e;
	va_list ap;
	char buf[1024];

	if (level == DIAG_ERROR)
		d->nerrors++;
	else
		d->nwarnings++;
	/* A pathological file could raise millions of errors; keep a screenful. */
	if (d->n >= d->limit)
		return;
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 8;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e = &d->v[d->n++];
	e->level = level;
	e->line = line;
	e->col = col;
	/* Keys can be 1 KB and nest 256 deep: keep a line readable, and the
	 * end of the path, which names the field itself. */
	if (path && strlen(path) > DIAG_PATH_MAX)
		e->path = xasprintf("...%s", path + strlen(path) - DIAG_PATH_MAX + 3);
	else
		e->path = xstrdup(path ? path : "");
	e->msg = xstrdup(buf);
}

char *diag_format(const struct diag *d, const struct diag_entry *e)
{
	const char *lvl = e->level == DIAG_ERROR ? "error" : "warning";
	const char *sep = e->path[0] ? ": " : "";

	if (e->line > 0)
		return xasprintf("%s:%d:%d: %s: %s%s%s", d->file, e->line,
				 e->col, lvl, e->path, sep, e->msg);
	return xasprintf("%s: %s: %s%s%s", d->file, lvl, e->path, sep, e->msg);
}

static int by_place(const void *a, const void *b)
{
	const struct diag_entry *x = *(const struct diag_entry *const *)a;
	const struct diag_entry *y = *(const struct diag_entry *const *)b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x < y ? -1 : x > y;	/* stable: discovery order */
}

void diag_print(const struct diag *d, FILE *fp)
{
	const struct diag_entry **order = xcalloc(d->n, sizeof(*order));
	size_t shown = 0;

	for (size_t i = 0; i < d->n; i++)
		order[i] = &d->v[i];
	qsort(order, d->n, sizeof(*order), by_place);
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(d, order[i]);
		fprintf(fp, "%s\n", s);
		free(s);
		shown++;
	}
	if (d->nerrors + d->nwarnings > shown)
		fprintf(fp, "%s: %zu more problems not shown\n", d->file,
			d->nerrors + d->nwarnings - shown);
	free(order);
}

bool diag_has_errors(const struct diag *d)
{
	return d->nerrors > 0;
}
