# determined - hpsearch's shim of Determined's Core API.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Training scripts written against Determined's Core API run unchanged
under hpsearch: `hpsearch exec` puts this package first on a trial's
PYTHONPATH, and it maps the API onto the trial protocol
(hpsearch-trial(7)).

Supported: det.core.init() and its contexts (see determined.core),
det.get_cluster_info(), det.InvalidHP.  Everything else raises
UnsupportedError naming the call.
"""

import importlib.abc
import os
import sys

from determined._shim import (Strict, UnsupportedAttributeError,
                              UnsupportedError, env, hparams, in_trial,
                              int_env, latest_checkpoint)

__version__ = "0.37.0+hpsearch"

# Determined's log format, which its examples pass to logging.basicConfig.
LOG_FORMAT = "%(levelname)s: [%(process)s] %(name)s: %(message)s"
__all__ = ["core", "get_cluster_info", "LOG_FORMAT", "ClusterInfo", "TrialInfo",
           "InvalidHP", "UnsupportedError"]


class InvalidHP(Exception):
    """Raise it for hyperparameters the script cannot train with: the run
    exits 78, the trial ends as ERROR ("invalid hyperparameters") and is
    not restarted (hpsearch-trial(7), EXIT STATUS)."""


# An InvalidHP nobody caught ends the process with 78, as Determined's
# harness reports it to the master.
_prev_hook = sys.excepthook


def _excepthook(tp, value, tb):
    if isinstance(value, InvalidHP):
        print("determined (hpsearch shim): InvalidHP: %s: exiting 78 (invalid hyperparameters)"
              % value, file=sys.stderr, flush=True)
        sys.stdout.flush()
        os._exit(78)
    _prev_hook(tp, value, tb)


sys.excepthook = _excepthook


class TrialInfo(Strict):
    _where = "det.get_cluster_info().trial"
    _instead = {
        "_config": "the experiment config is the file given to hpsearch run/create",
        "config": "the experiment config is the file given to hpsearch run/create",
    }

    def __init__(self):
        self.trial_id = int_env("HPS_TRIAL_ID")
        self.experiment_id = int_env("HPS_EXPERIMENT_ID")
        self.trial_seed = int_env("HPS_TRIAL_SEED") or 0
        self.trial_run_id = int_env("HPS_RUN")
        self.hparams = hparams()


class ClusterInfo(Strict):
    _where = "det.get_cluster_info()"
    _instead = {
        "master_url": "there is no master: hpsearch has no server",
        "master_cert_file": "there is no master: hpsearch has no server",
        "session_token": "there is no master: hpsearch has no server",
        "cluster_id": "there is no master: hpsearch has no server",
        "user_data": "keep data in a hyperparameter (const)",
    }

    def __init__(self):
        self.trial = TrialInfo()
        self.latest_checkpoint = latest_checkpoint()
        self.task_type = "TRIAL"
        self.task_id = "%s.%s" % (self.trial.experiment_id, self.trial.trial_id)
        self.allocation_id = "%s.%s" % (self.task_id, self.trial.trial_run_id)
        self.container_rank = int_env("NODE_RANK") or 0
        gpus = env("HPS_GPUS")
        self.gpu_uuids = gpus.split(",") if gpus else []
        self.slot_ids = [int(g) for g in self.gpu_uuids] if gpus else []

    @property
    def hparams(self):
        return self.trial.hparams


def get_cluster_info():
    """The trial's information, or None outside an hpsearch trial (as
    Determined returns None off-cluster)."""
    return ClusterInfo() if in_trial() else None


# The submodules of Determined the shim does not have: importing one
# raises ImportError that says so, instead of "No module named".
_HAVE = {"determined.core", "determined._shim"}
_INSTEAD = {
    "determined.pytorch": "Trial APIs (PyTorchTrial, Trainer) are not supported: write the "
                          "training loop with det.core.init() or plain HPS_* variables",
    "determined.keras": "TFKerasTrial is not supported: use det.core.init() in a Keras loop",
    "determined.experimental": "the SDK talks to a master: hpsearch has none; use the hpsearch "
                               "command (status --json, best --json, export)",
}


class _UnsupportedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if not name.startswith("determined.") or name in _HAVE:
            return None
        top = ".".join(name.split(".")[:2])
        if top in _HAVE:
            return None
        raise ImportError(str(UnsupportedError(
            "import %s" % name,
            _INSTEAD.get(top, "only determined.core, det.get_cluster_info() and "
                         "det.InvalidHP are provided"))), name=name)


if not any(isinstance(f, _UnsupportedFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _UnsupportedFinder())

from determined import core  # noqa: E402  (after the finder and InvalidHP)


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise UnsupportedAttributeError(
        "det.%s" % name, "the shim provides det.core, det.get_cluster_info(), det.InvalidHP")
