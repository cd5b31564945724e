/* hpenv.h - how hyperparameters reach a trial's environment as HP_<NAME>.
 *
 * A leaf's variable is "HP_" + its keys from the top, upper-cased and joined
 * by "__" (optimizer.lr -> HP_OPTIMIZER__LR).  A key with a character other
 * than [A-Za-z0-9_] has no variable (the value is only in HPS_HPARAMS).
 * Values: strings as they are, numbers in shortest round-trip form,
 * booleans true/false, null/lists/objects as compact JSON.
 */
#ifndef HPS_HPENV_H
#define HPS_HPENV_H

#include <jansson.h>
#include <stddef.h>

/* hpenv_name: a new string, or NULL when a key does not map. */
char *hpenv_name(const char *const *keys, size_t n);

/* hpenv_value: a new string. */
char *hpenv_value(const json_t *v);

/* hpenv_format_double: shortest text that reads back as the same double
 * (buf of at least 32 bytes). */
void hpenv_format_double(double v, char *buf, size_t len);

#endif
