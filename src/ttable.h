/* ttable.h - aligned text tables, coloured on a terminal.
 *
 * Cells are copied in; a column is as wide as its widest cell, counted in
 * characters (UTF-8), so the table stays aligned whatever the values.
 * Colour is SGR escapes around a cell's text, never in the padding, and
 * only when the caller asks (want_colour()).
 */
#ifndef HPS_TTABLE_H
#define HPS_TTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* SGR parameters for ttable_set (used only when colour is on). */
#define TT_BOLD "1"
#define TT_RED "31"
#define TT_GREEN "32"
#define TT_YELLOW "33"
#define TT_BLUE "34"
#define TT_CYAN "36"
#define TT_BEST "1;32"

enum tt_align { TT_LEFT, TT_RIGHT };

struct ttable {
	size_t ncols, nrows, cap;
	char **text;		/* nrows * ncols cells (owned; NULL = empty) */
	const char **sgr;	/* per cell colour, static strings or NULL */
	enum tt_align *align;	/* per column */
	bool header;		/* row 0 is a header (bold) */
};

void ttable_init(struct ttable *t, size_t ncols, bool header);
void ttable_release(struct ttable *t);
void ttable_align(struct ttable *t, size_t col, enum tt_align a);
/* ttable_row: start a new row; the cells below fill it. */
void ttable_row(struct ttable *t);
/* ttable_set: a cell of the last row; control characters in text are
 * shown escaped (\n, \t, \xNN) so a value never breaks the layout. */
void ttable_set(struct ttable *t, size_t col, const char *text,
		const char *sgr);
void ttable_setf(struct ttable *t, size_t col, const char *sgr,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* ttable_print: columns two spaces apart, each as wide as its widest
 * cell (in characters), no trailing blanks; indent blanks before each
 * row that is not empty. */
void ttable_print(const struct ttable *t, FILE *fp, size_t indent,
		  bool colour);

/* want_colour: fp is a terminal, NO_COLOR is unset or empty and TERM is
 * not "dumb" (https://no-color.org). */
bool want_colour(FILE *fp);
/* colour_of_state: the SGR for a trial or experiment state's name. */
const char *colour_of_state(const char *state);

#endif
