/* diag.h - the errors and warnings found in a config, with their places.
 *
 * A config is checked whole: every problem is collected here rather than
 * stopping at the first, so a user fixes a file in one round.  Each entry
 * names file:line:column (1-based), the field path ("searcher.max_trials")
 * and what was expected.  The list owns its strings.
 */
#ifndef HPS_DIAG_H
#define HPS_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag_entry {
	enum diag_level level;
	int line, col;		/* 0 when the problem has no place */
	char *path;		/* field path, "" for the whole document */
	char *msg;
};

struct diag {
	char *file;		/* as the user named it */
	struct diag_entry *v;
	size_t n, cap;
	size_t nerrors, nwarnings;
	size_t limit;		/* stop recording errors past this many */
};

void diag_init(struct diag *d, const char *file);
void diag_release(struct diag *d);

void diag_add(struct diag *d, enum diag_level level, int line, int col,
	      const char *path, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* diag_print: "file:line:col: error: path: msg" lines, in file order. */
void diag_print(const struct diag *d, FILE *fp);

/* diag_format: one entry as diag_print writes it (caller frees). */
char *diag_format(const struct diag *d, const struct diag_entry *e);

bool diag_has_errors(const struct diag *d);

#endif
