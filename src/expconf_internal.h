/* expconf_internal.h - the section readers behind expconf_load().
 * Not for use outside the expconf_*.c files. */
#ifndef HPS_EXPCONF_INTERNAL_H
#define HPS_EXPCONF_INTERNAL_H

#include "expconf.h"

/* Read hyperparameters (n may be NULL: no hyperparameters) into out, a
 * fresh HP_NESTED root; grid makes count mandatory.  -1 on errors. */
int expconf_read_hparams(const struct ynode *n, const char *path, bool grid,
			 struct hparam *out, struct diag *d);

/* Read the searcher section with defaults applied; -1 on errors. */
int expconf_read_searcher(const struct ynode *map, const char *path,
			  struct searcher_config *s, struct diag *d);
void searcher_release(struct searcher_config *s);

/* Warn about hyperparameter names that have no HP_ variable, or collide. */
void expconf_lint_hparam_names(const struct hparam *root, struct diag *d);

#endif
