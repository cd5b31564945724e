/* ttable.c - aligned text tables (see ttable.h). */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ttable.h"
#include "xalloc.h"

void ttable_init(struct ttable *t, size_t ncols, bool header)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->header = header;
	t->align = xcalloc(ncols, sizeof(*t->align));
}

void ttable_release(struct ttable *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->text[i]);
	free(t->text);
	free(t->sgr);
	free(t->align);
	memset(t, 0, sizeof(*t));
}

void ttable_align(struct ttable *t, size_t col, enum tt_align a)
{
	if (col < t->ncols)
		t->align[col] = a;
}

void ttable_row(struct ttable *t)
{
	size_t n = t->nrows * t->ncols;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->text = xreallocarray(t->text, t->cap, t->ncols * sizeof(*t->text));
		t->sgr = xreallocarray(t->sgr, t->cap, t->ncols * sizeof(*t->sgr));
	}
	memset(t->text + n, 0, t->ncols * sizeof(*t->text));
	memset(t->sgr + n, 0, t->ncols * sizeof(*t->sgr));
	t->nrows++;
}

/* escape: text with control characters spelled out (a newline in a value
 * would break every row after it). */
static char *escape(const char *text)
{
	char *out = xmalloc(4 * strlen(text) + 1), *p = out;

	for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
		if (*s >= 0x20 && *s != 0x7f)
			*p++ = (char)*s;
		else if (*s == '\n' || *s == '\t' || *s == '\r')
			p += sprintf(p, "\\%c", *s == '\n' ? 'n' : *s == '\t' ? 't' : 'r');
		else
			p += sprintf(p, "\\x%02x", *s);
	}
	*p = '\0';
	return out;
}

void ttable_set(struct ttable *t, size_t col, const char *text, const char *sgr)
{
	size_t i;

	if (!t->nrows || col >= t->ncols)
		return;
	i = (t->nrows - 1) * t->ncols + col;
	free(t->text[i]);
	t->text[i] = text ? escape(text) : NULL;
	t->sgr[i] = sgr;
}

void ttable_setf(struct ttable *t, size_t col, const char *sgr,
		 const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	ttable_set(t, col, s, sgr);
	free(s);
}

/* width: characters, not bytes (UTF-8 continuation bytes do not count). */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void print_row(const struct ttable *t, size_t r, const size_t *w,
		      size_t indent, FILE *fp, bool colour)
{
	size_t pending = indent;	/* blanks owed; dropped at the end of the row */

	for (size_t c = 0; c < t->ncols; c++) {
		const char *s = t->text[r * t->ncols + c];
		const char *sgr = t->sgr[r * t->ncols + c];
		size_t pad = w[c] - width(s);

		if (r == 0 && t->header && !sgr)
			sgr = TT_BOLD;
		if (t->align[c] == TT_RIGHT)
			pending += pad;
		if (s && *s) {
			fprintf(fp, "%*s", (int)pending, "");
			pending = 0;
			if (colour && sgr)
				fprintf(fp, "\033[%sm%s\033[0m", sgr, s);
			else
				fputs(s, fp);
		}
		if (t->align[c] == TT_LEFT)
			pending += pad;
		pending += 2;
	}
	fputc('\n', fp);
}

void ttable_print(const struct ttable *t, FILE *fp, size_t indent,
		  bool colour)
{
	size_t *w = xcalloc(t->ncols + 1, sizeof(*w));

	for (size_t i = 0; i < t->nrows * t->ncols; i++) {
		size_t n = width(t->text[i]);
		if (n > w[i % t->ncols])
			w[i % t->ncols] = n;
	}
	for (size_t r = 0; r < t->nrows; r++) {
		print_row(t, r, w, indent, fp, colour);
	}
	free(w);
}

bool want_colour(FILE *fp)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc && *nc)
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(fileno(fp));
}

const char *colour_of_state(const char *state)
{
	static const struct {
		const char *state, *sgr;
	} map[] = {
		{"COMPLETED", TT_GREEN}, {"ERROR", TT_RED},
		{"CANCELED", TT_YELLOW}, {"PAUSED", TT_BLUE},
		{"RUNNING", TT_CYAN}, {"PENDING", TT_YELLOW},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].state, state))
			return map[i].sgr;
	return NULL;
}
