/* snapread.h - state.json's trial lines, read without a JSON tree.
 *
 * exp_snapshot writes one trial a line, each a compact object with its
 * keys in a fixed order.  Parsing 10,000 of them through jansson costs a
 * hashtable, 23 keys and 23 values a trial, and freeing them again: most
 * of what `status --json` spends (bench/README.md, 2).  snapread reads
 * that exact text straight into struct trial; the hyperparameters, which
 * are the user's JSON, still go through jansson.
 *
 * It never decides that a file is corrupt: anything that is not exactly
 * what exp_snapshot writes (another key order, whitespace, an escaped
 * string, a number out of range, a depth jansson would refuse) makes it
 * decline, and the caller parses the whole text with jansson as before.
 * What it accepts, it reads as jansson and trial_from_json would (the
 * fuzz harness tests/fuzz/fuzz_state.c checks that, input by input).
 */
#ifndef HPS_SNAPREAD_H
#define HPS_SNAPREAD_H

#include <stddef.h>

#include "experiment.h"

/* snapread: split a state.json text into its head and its trials.
 * Returns 0 with *head_len set (the text before ",\n \"trials\": [",
 * which with a closing '}' is the rest of the state as a JSON object)
 * and *trials (*n of them, caller frees each hparams and the array);
 * 1 when the text is not in exp_snapshot's form.  Never fails otherwise. */
int snapread(const char *text, size_t len, size_t *head_len,
	     struct trial **trials, size_t *n);

#endif
