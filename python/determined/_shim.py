# _shim.py - what the modules of hpsearch's Determined shim share.
# SPDX-License-Identifier: GPL-2.0-or-later
"""The trial protocol (hpsearch-trial(7)) as the shim reads it, and the
error every call outside the supported subset raises.

The shim implements the part of Determined's Core API that training
scripts use, on top of HPS_* variables and files; anything else raises
UnsupportedError naming the call and what to use instead, so that a
script never runs on with a silently missing feature.
"""

import json
import math
import os
import sys

MAN = "see hpsearch-trial(7), MOVING FROM DETERMINED"

# In HPS_CHECKPOINT_DIR: the storage id the shim stored last.  hpsearch
# exec reads it into DET_LATEST_CHECKPOINT (src/trialenv.h).
LATEST_FILE = "det_latest_checkpoint"


class UnsupportedError(NotImplementedError):
    """A Determined API hpsearch's shim does not implement."""

    def __init__(self, call, instead=None):
        msg = "%s is not supported by hpsearch's Determined shim" % call
        if instead:
            msg += "; %s" % instead
        msg += " (%s)" % MAN
        super().__init__(msg)
        self.call = call


class UnsupportedAttributeError(UnsupportedError, AttributeError):
    """Raised from __getattr__: still an AttributeError, so hasattr() and
    getattr(obj, name, default) keep working."""


class Strict:
    """A base for the shim's objects: an attribute that is not there is a
    Determined API the shim lacks, and says so."""

    _where = "determined"
    _instead = {}

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise UnsupportedAttributeError(
            "%s.%s" % (self._where, name), self._instead.get(name))


def unsupported(call, instead=None):
    raise UnsupportedError(call, instead)


def env(name, default=None):
    v = os.environ.get(name, "")
    return v if v != "" else default


def in_trial():
    return env("HPS_TRIAL_ID") is not None


def require_trial(call):
    if not in_trial():
        raise RuntimeError(
            "%s: not inside an hpsearch trial (no HPS_TRIAL_ID): run the "
            "script with 'hpsearch run CONFIG DIR' or 'hpsearch create'; "
            "Determined's off-cluster mode is not supported (%s)" % (call, MAN))


def int_env(name):
    v = env(name)
    return int(v) if v is not None else None


def hparams():
    """The trial's hyperparameters: DET_HPARAMS, else the HPS_HPARAMS file."""
    text = env("DET_HPARAMS")
    if text is not None:
        return json.loads(text)
    path = env("HPS_HPARAMS")
    if path is None:
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def length_unit():
    return env("HPS_LENGTH_UNIT", "batches")


def max_length():
    return int_env("HPS_MAX_LENGTH")


def checkpoint_dir():
    d = env("HPS_CHECKPOINT_DIR")
    if d is None:
        raise RuntimeError("HPS_CHECKPOINT_DIR is not set: not an hpsearch trial (%s)" % MAN)
    return d


def latest_checkpoint():
    """DET_LATEST_CHECKPOINT as hpsearch exec set it (None on a first run)."""
    return env("DET_LATEST_CHECKPOINT")


def _plain(v):
    """A metric value as JSON the metrics file accepts: numpy and torch
    scalars become numbers, NaN and Infinity null (they are not JSON)."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    for conv in ("item", "tolist"):  # numpy, torch
        f = getattr(v, conv, None)
        if callable(f):
            return _plain(f())
    try:
        return _plain(float(v))
    except (TypeError, ValueError):
        raise TypeError("metric value %r (%s) is not a number, string, list or dict"
                        % (v, type(v).__name__)) from None


def write_metrics(obj):
    """Append one line to HPS_METRICS_FILE with a single write, flushed:
    hpsearch reads whole lines only (hpsearch-trial(7), METRICS FILE)."""
    path = env("HPS_METRICS_FILE")
    if path is None:
        raise RuntimeError("HPS_METRICS_FILE is not set: not an hpsearch trial (%s)" % MAN)
    line = (json.dumps(_plain(obj), allow_nan=False, separators=(",", ":")) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def warn(msg):
    print("determined (hpsearch shim): %s" % msg, file=sys.stderr, flush=True)
