/* space.h - drawing and enumerating points of a hyperparameter space.
 *
 * Sampling follows Determined (REFERENCE.md 2.2) in sorted-name order at
 * every depth (Determined's nested order is Go's random map order; sorted
 * is hpsearch's documented choice, identical for flat spaces).  Grid
 * enumeration follows REFERENCE.md 2.3.
 */
#ifndef HPS_SPACE_H
#define HPS_SPACE_H

#include <jansson.h>
#include <stdint.h>

#include "error.h"
#include "hparams.h"
#include "rng.h"

#define SPACE_GRID_MAX 1000000

/* space_sample: one point as a new JSON object, nested as configured. */
json_t *space_sample(const struct hparam *root, struct rng *r);

/* space_grid_size: number of grid points (saturates at UINT64_MAX); 0 when
 * the space has no hyperparameters at all. */
uint64_t space_grid_size(const struct hparam *root);

/* space_grid: every grid point in cartesian order (first axis slowest), as
 * a new JSON array; NULL with err set above SPACE_GRID_MAX points. */
json_t *space_grid(const struct hparam *root, struct hps_error *err);

/* space_grid_axis: the values of one leaf's axis (a new JSON array). */
json_t *space_grid_axis(const struct hparam *h);

#endif
