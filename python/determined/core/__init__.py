# determined.core - hpsearch's shim of Determined's Core API contexts.
# SPDX-License-Identifier: GPL-2.0-or-later
"""det.core.init() and the contexts a training script uses, mapped onto
the trial protocol (hpsearch-trial(7)):

  train        report_training_metrics / report_validation_metrics append
               lines to HPS_METRICS_FILE, placed by HPS_LENGTH_UNIT
  checkpoint   store_path / restore_path / upload / download: directories
               HPS_CHECKPOINT_DIR/<storage id>/ with metadata.json; the
               last one stored is the next run's latest_checkpoint
  preempt      should_preempt(): true once the run got SIGTERM, SIGINT or
               SIGHUP (pause, cancel, a stop) or SIGUSR1 (Slurm's time
               limit is near), which hpsearch exec forwards to the trial
  searcher     operations(): one operation per run, of HPS_MAX_LENGTH
  distributed  rank and size from torchrun's or hpsearch's variables
"""

import contextlib
import enum
import json
import os
import shutil
import signal
import threading
import uuid

from determined import _shim
from determined._shim import (MAN, Strict, UnsupportedAttributeError,
                              UnsupportedError, unsupported, warn)

__all__ = ["init", "Context", "DistributedContext", "PreemptMode",
           "SearcherMode", "Unit", "DownloadMode", "TensorboardMode",
           "EarlyExitReason", "SearcherOperation"]


class PreemptMode(enum.Enum):
    WorkersAskChief = "WORKERS_ASK_CHIEF"
    ChiefOnly = "CHIEF_ONLY"
    ExplicitSynchronization = "EXPLICIT_SYNCHRONIZATION"


class SearcherMode(enum.Enum):
    WorkersAskChief = "WORKERS_ASK_CHIEF"
    ChiefOnly = "CHIEF_ONLY"


class Unit(enum.Enum):
    EPOCHS = "EPOCHS"
    RECORDS = "RECORDS"
    BATCHES = "BATCHES"


class DownloadMode(enum.Enum):
    LocalWorkersShareDownload = "LOCAL_WORKERS_SHARE_DOWNLOAD"
    NoSharedDownload = "NO_SHARED_DOWNLOAD"


class TensorboardMode(enum.Enum):
    AUTO = "AUTO"
    MANUAL = "MANUAL"


class EarlyExitReason(enum.Enum):
    INVALID_HP = "EXITED_REASON_INVALID_HP"
    ERRORED = "EXITED_REASON_UNSPECIFIED"
    USER_REQUESTED_STOP = "EXITED_REASON_USER_REQUESTED_STOP"


def _int(name, default=None):
    v = _shim.env(name)
    return int(v) if v is not None else default


class DistributedContext(Strict):
    """Ranks only: the shim has no communication of its own.  Collectives
    work for a single process; across processes use torch.distributed
    (hpsearch sets WORLD_SIZE, MASTER_ADDR, MASTER_PORT)."""

    _where = "core_context.distributed"

    def __init__(self, *, rank, size, local_rank, local_size, cross_rank,
                 cross_size, chief_ip=None, **_ignored):
        self.rank, self.size = int(rank), int(size)
        self.local_rank, self.local_size = int(local_rank), int(local_size)
        self.cross_rank, self.cross_size = int(cross_rank), int(cross_size)
        self.chief_ip = chief_ip

    @classmethod
    def _from_env(cls):
        """torchrun's variables when a launcher set them; else one process
        per node (hpsearch's NODE_RANK and NNODES); else a single process."""
        if _shim.env("RANK") is not None and _shim.env("WORLD_SIZE") is not None:
            return cls.from_torch_distributed()
        nodes = _int("NNODES", 1)
        node = _int("NODE_RANK", 0)
        return cls(rank=node, size=nodes, local_rank=0, local_size=1,
                   cross_rank=node, cross_size=nodes,
                   chief_ip=_shim.env("MASTER_ADDR"))

    @classmethod
    def from_torch_distributed(cls, chief_ip=None):
        """From torchrun's environment, as Determined reads it (the process
        group itself is torch's business; torch is not imported)."""
        rank, size = _int("RANK", 0), _int("WORLD_SIZE", 1)
        local_rank = _int("LOCAL_RANK", 0)
        local_size = _int("LOCAL_WORLD_SIZE", 1)
        cross_size = _int("GROUP_WORLD_SIZE", max(1, size // max(1, local_size)))
        cross_rank = _int("GROUP_RANK", rank // max(1, local_size))
        return cls(rank=rank, size=size, local_rank=local_rank, local_size=local_size,
                   cross_rank=cross_rank, cross_size=cross_size,
                   chief_ip=chief_ip or _shim.env("MASTER_ADDR"))

    @classmethod
    def from_deepspeed(cls, chief_ip=None):
        return cls.from_torch_distributed(chief_ip)

    @classmethod
    def from_horovod(cls, hvd=None, chief_ip=None):
        unsupported("DistributedContext.from_horovod()",
                    "launch with torchrun and use DistributedContext.from_torch_distributed()")

    def get_rank(self):
        return self.rank

    def get_size(self):
        return self.size

    def get_local_rank(self):
        return self.local_rank

    def get_local_size(self):
        return self.local_size

    def get_cross_rank(self):
        return self.cross_rank

    def get_cross_size(self):
        return self.cross_size

    def _single(self, call, n):
        if n != 1:
            unsupported("core_context.distributed.%s() across %d processes" % (call, n),
                        "use torch.distributed (WORLD_SIZE, MASTER_ADDR and MASTER_PORT are set)")

    def broadcast(self, stuff):
        self._single("broadcast", self.size)
        return stuff

    def broadcast_local(self, stuff=None):
        self._single("broadcast_local", self.local_size)
        return stuff

    def allgather(self, stuff):
        self._single("allgather", self.size)
        return [stuff]

    def allgather_local(self, stuff):
        self._single("allgather_local", self.local_size)
        return [stuff]

    def gather(self, stuff):
        self._single("gather", self.size)
        return [stuff]

    def gather_local(self, stuff):
        self._single("gather_local", self.local_size)
        return [stuff]

    def close(self):
        pass


def _chief_only(dist, call):
    if dist.rank != 0:
        raise RuntimeError("%s must only be called on the chief (rank 0); this is rank %d"
                           % (call, dist.rank))


class TrainContext(Strict):
    _where = "core_context.train"
    _instead = {
        "get_tensorboard_path": "write TensorBoard files to a directory of your own",
        "upload_tensorboard_files": "write TensorBoard files to a directory of your own",
        "get_experiment_best_validation": "hpsearch keeps the best in 'hpsearch best --json'",
        "set_status": "print it: the run's output is 'hpsearch logs EXP TRIAL'",
    }

    def __init__(self, ctx):
        self._ctx = ctx
        self._warned_metric = False

    def _line(self, call, steps_completed, metrics):
        _chief_only(self._ctx.distributed, "core_context.train.%s()" % call)
        if not isinstance(metrics, dict):
            raise TypeError("core_context.train.%s(): metrics must be a dict, not %s"
                            % (call, type(metrics).__name__))
        try:
            steps = int(steps_completed)
        except (TypeError, ValueError):
            raise TypeError("core_context.train.%s(): steps_completed must be a number, not %r"
                            % (call, steps_completed)) from None
        if steps < 0:
            raise ValueError("core_context.train.%s(): steps_completed is negative (%d)"
                             % (call, steps))
        unit = _shim.length_unit()
        if unit in metrics:
            raise ValueError("core_context.train.%s(): a metric named %r collides with the "
                             "length unit key (HPS_LENGTH_UNIT): rename it" % (call, unit))
        return unit, steps

    def report_training_metrics(self, steps_completed, metrics, batch_metrics=None):
        """A line {"<unit>": steps, "training": {...}}: training metrics sit
        under their own key so that a training value named like the
        searcher metric is never taken for a validation."""
        unit, steps = self._line("report_training_metrics", steps_completed, metrics)
        line = {unit: steps, "training": dict(metrics)}
        if batch_metrics is not None:
            line["batch_metrics"] = batch_metrics
        _shim.write_metrics(line)

    def report_validation_metrics(self, steps_completed, metrics):
        """A line {"<unit>": steps, "<metric>": value, ...}: what the
        searcher reads (hpsearch-trial(7), METRICS FILE)."""
        unit, steps = self._line("report_validation_metrics", steps_completed, metrics)
        metric = _shim.env("HPS_METRIC")
        if metric and metric not in metrics and not self._warned_metric:
            self._warned_metric = True
            warn("report_validation_metrics(): no %r (the searcher metric) in %s: the searcher "
                 "sees only reports that carry it" % (metric, sorted(metrics)))
        line = {unit: steps}
        line.update(metrics)
        _shim.write_metrics(line)
        # Only a validation (or a completed operation) makes the run done:
        # a run preempted after training to the length but before it
        # validated must not exit 0 without the searcher's metric.
        self._ctx._steps(steps)
        if metric in metrics:
            self._ctx._last_validation = (steps, metrics[metric])

    def report_metrics(self, group, steps_completed, metrics):
        if group == "training":
            return self.report_training_metrics(steps_completed, metrics)
        if group == "validation":
            return self.report_validation_metrics(steps_completed, metrics)
        unit, steps = self._line("report_metrics", steps_completed, metrics)
        _shim.write_metrics({unit: steps, str(group): dict(metrics)})

    def report_progress(self, progress):
        """Accepted and not needed: hpsearch computes progress from the
        lengths in the metrics file."""
        float(progress)

    def report_early_exit(self, reason):
        if reason == EarlyExitReason.INVALID_HP:
            self._ctx._exit_status = 78
            return
        unsupported("core_context.train.report_early_exit(%s)" % reason,
                    "raise det.InvalidHP for invalid hyperparameters; otherwise exit non-zero")


class CheckpointContext(Strict):
    _where = "core_context.checkpoint"

    def __init__(self, ctx):
        self._ctx = ctx

    def _dir(self, storage_id):
        sid = str(storage_id)
        if not sid or sid.startswith(".") or "/" in sid or sid in (".", ".."):
            raise ValueError("%r is not a storage id" % (storage_id,))
        return os.path.join(_shim.checkpoint_dir(), sid)

    def _check_store(self, call, shard, selector=None):
        if shard:
            unsupported("core_context.checkpoint.%s(shard=True)" % call,
                        "store from the chief only (shard=False)")
        if selector is not None:
            unsupported("core_context.checkpoint.%s(selector=...)" % call,
                        "copy the whole checkpoint")
        _chief_only(self._ctx.distributed, "core_context.checkpoint.%s()" % call)

    def _finish(self, storage_id, metadata):
        """metadata.json into the checkpoint, then the pointer the next run
        reads as latest_checkpoint, replaced atomically: a run killed
        half-way through storing leaves the previous checkpoint latest.
        No fsync: a preempted run stores under Slurm's KillWait, and an
        fsync on a busy disk can outlast it; a pointer lost to a node
        crash names no complete directory, and hpsearch exec then passes
        none (src/trialenv.c)."""
        path = self._dir(storage_id)
        meta = dict(metadata or {})
        with open(os.path.join(path, "metadata.json"), "w", encoding="utf-8") as f:
            json.dump(_shim._plain(meta), f, sort_keys=True, indent=2)
            f.write("\n")
        root = _shim.checkpoint_dir()
        tmp = os.path.join(root, ".%s.%d.tmp" % (_shim.LATEST_FILE, os.getpid()))
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(storage_id + "\n")
        os.replace(tmp, os.path.join(root, _shim.LATEST_FILE))
        self._ctx._stored = storage_id

    @contextlib.contextmanager
    def store_path(self, metadata, shard=False):
        """Yields (path, storage_id): write the checkpoint's files into path."""
        self._check_store("store_path", shard)
        storage_id = str(uuid.uuid4())
        path = self._dir(storage_id)
        os.makedirs(path)
        try:
            yield path, storage_id
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)  # incomplete: never latest
            raise
        self._finish(storage_id, metadata)

    def upload(self, ckpt_dir, metadata, *, shard=False, selector=None):
        self._check_store("upload", shard, selector)
        storage_id = str(uuid.uuid4())
        path = self._dir(storage_id)
        try:
            if ckpt_dir is None:
                os.makedirs(path)
            else:
                shutil.copytree(ckpt_dir, path)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._finish(storage_id, metadata)
        return storage_id

    def _existing(self, call, storage_id):
        path = self._dir(storage_id)
        if not os.path.isdir(path):
            raise FileNotFoundError(
                "core_context.checkpoint.%s(%r): no such checkpoint in %s (hpsearch keeps a "
                "trial's checkpoints in its HPS_CHECKPOINT_DIR; another trial's are not "
                "reachable)" % (call, storage_id, _shim.checkpoint_dir()))
        return path

    @contextlib.contextmanager
    def restore_path(self, storage_id, selector=None):
        """Yields the checkpoint's directory, in place (read it, do not
        change it)."""
        if selector is not None:
            unsupported("core_context.checkpoint.restore_path(selector=...)",
                        "read the files you need from the path")
        yield self._existing("restore_path", storage_id)

    def download(self, storage_id, ckpt_dir, download_mode=DownloadMode.LocalWorkersShareDownload,
                 *, selector=None):
        if selector is not None:
            unsupported("core_context.checkpoint.download(selector=...)",
                        "download the whole checkpoint")
        src = self._existing("download", storage_id)
        shutil.copytree(src, ckpt_dir, dirs_exist_ok=True)

    def get_metadata(self, storage_id):
        path = os.path.join(self._existing("get_metadata", storage_id), "metadata.json")
        try:
            with open(path, encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def delete(self, storage_id, glob=None):
        if glob is not None:
            unsupported("core_context.checkpoint.delete(glob=...)", "delete the whole checkpoint")
        _chief_only(self._ctx.distributed, "core_context.checkpoint.delete()")
        path = self._existing("delete", storage_id)
        latest = os.path.join(_shim.checkpoint_dir(), _shim.LATEST_FILE)
        try:
            with open(latest, encoding="utf-8") as f:
                if f.read().strip() == str(storage_id):
                    os.unlink(latest)
        except FileNotFoundError:
            pass
        shutil.rmtree(path)


# The signals hpsearch exec forwards to the run (hpsearch-trial(7),
# SIGNALS): the first three mean "stop soon" (pause, cancel, a stop),
# SIGUSR1 that Slurm's time limit is near.  To a Determined script all of
# them are a preemption: checkpoint and return.
PREEMPT_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1)


class PreemptContext(Strict):
    _where = "core_context.preempt"

    def __init__(self, ctx):
        self._ctx = ctx
        self.signum = 0
        self._told = False
        self._saved = {}
        self._installed = False

    def _on_signal(self, signum, frame):
        # No printing here: the handler may interrupt a write to stderr
        # (a reentrant write raises); should_preempt() tells.
        self.signum = self.signum or signum
        prev = self._saved.get(signum)
        if callable(prev):  # a handler of the script's own still runs
            prev(signum, frame)

    def _install(self):
        # Python runs signal handlers in the main thread only; elsewhere
        # the script keeps the default actions, and says so.
        if threading.current_thread() is not threading.main_thread():
            warn("det.core.init() outside the main thread: should_preempt() cannot see "
                 "signals; SIGTERM ends the process")
            return
        for s in PREEMPT_SIGNALS:
            self._saved[s] = signal.signal(s, self._on_signal)
        self._installed = True

    def _restore(self):
        if self._installed:
            for s, h in self._saved.items():
                signal.signal(s, h if h is not None else signal.SIG_DFL)
            self._installed = False

    def should_preempt(self, auto_ack=True):
        if self.signum and not self._told:
            self._told = True
            warn("got signal %d: should_preempt() is true from now on" % self.signum)
        return self.signum != 0

    def acknowledge_preemption_signal(self):
        pass


class SearcherOperation(Strict):
    """One operation: train to length (cumulative, in HPS_LENGTH_UNIT)."""

    _where = "SearcherOperation"

    def __init__(self, ctx, length):
        self._ctx = ctx
        self._length = length
        self._completed = False

    @property
    def length(self):
        return self._length

    def report_progress(self, length):
        """Accepted: hpsearch reads progress from the metrics file."""
        float(length)

    def report_completed(self, searcher_metric):
        _chief_only(self._ctx.distributed, "SearcherOperation.report_completed()")
        if self._completed:
            raise RuntimeError("SearcherOperation.report_completed() called twice")
        metric = _shim.env("HPS_METRIC")
        value = _shim._plain(searcher_metric)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise TypeError("report_completed(): the searcher metric must be a number, not %r"
                            % (searcher_metric,))
        # The searcher takes the run's last metric at HPS_MAX_LENGTH: write
        # it unless a validation report just said the same.
        if metric and self._ctx._last_validation != (self._length, searcher_metric):
            _shim.write_metrics({_shim.length_unit(): self._length, metric: value})
        self._ctx._steps(self._length)
        self._completed = True


class SearcherContext(Strict):
    _where = "core_context.searcher"

    def __init__(self, ctx):
        self._ctx = ctx

    def operations(self, searcher_mode=SearcherMode.WorkersAskChief, auto_ack=True):
        """One operation per run, as Determined <= 0.37 gave them: a
        promotion is a new run with a larger HPS_MAX_LENGTH."""
        length = _shim.max_length()
        if length is None:
            raise RuntimeError(
                "core_context.searcher.operations(): the searcher has no length "
                "(HPS_MAX_LENGTH is unset): give the searcher max_length, or train "
                "for a length of your own without operations() (%s)" % MAN)
        op = SearcherOperation(self._ctx, length)
        self._ctx._op = op
        yield op
        if not op._completed and self._ctx.distributed.rank == 0:
            raise RuntimeError("you must call op.report_completed() on each operation before "
                               "requesting another")

    def acknowledge_out_of_ops(self):
        pass

    def get_configured_units(self):
        return {"batches": Unit.BATCHES, "records": Unit.RECORDS,
                "epochs": Unit.EPOCHS}.get(_shim.length_unit())


class Context(Strict):
    """What det.core.init() returns; use it in a with statement."""

    _where = "core_context"
    _instead = {
        "profiler": "profile with your framework's own tools",
        "metrics": "use core_context.train.report_training_metrics / report_validation_metrics",
        "experimental": "not available: there is no master",
    }

    def __init__(self, distributed):
        self.distributed = distributed
        self.train = TrainContext(self)
        self.checkpoint = CheckpointContext(self)
        self.preempt = PreemptContext(self)
        self.searcher = SearcherContext(self)
        self._op = None
        self._reached = False
        self._stored = None
        self._last_validation = None
        self._exit_status = None
        self._closed = False
        self.preempt._install()

    def _steps(self, steps):
        target = _shim.max_length()
        if target is not None and steps >= target:
            self._reached = True

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        if exc_type is not None:
            return False
        if self._exit_status is not None:
            raise SystemExit(self._exit_status)
        signum = self.preempt.signum
        if signum and not self._reached:
            # Exit 0 would tell hpsearch the length was reached; a
            # preempted run exits as a signalled one does (128 + signal).
            warn("preempted (signal %d) before reaching the length: exiting %d"
                 % (signum, 128 + signum))
            raise SystemExit(128 + signum)
        if self._op is not None and not self._op._completed and not signum:
            warn("the searcher operation was not completed (op.report_completed() not called)")
        return False

    def close(self):
        if not self._closed:
            self._closed = True
            self.preempt._restore()


_INIT_ARGS = ("distributed", "checkpoint_storage", "preempt_mode", "tensorboard_mode",
              "async_checkpointing")


def init(*, distributed=None, checkpoint_storage=None, preempt_mode=PreemptMode.WorkersAskChief,
         tensorboard_mode=TensorboardMode.AUTO, **other):
    """Determined's det.core.init() inside an hpsearch trial.

    distributed: a DistributedContext, or None for the ranks of the
    environment (torchrun's RANK/WORLD_SIZE, or hpsearch's NODE_RANK/NNODES
    with one process per node).  checkpoint_storage is ignored, as
    Determined ignores it on a cluster: checkpoints go to
    HPS_CHECKPOINT_DIR.  Installs handlers for SIGTERM, SIGINT, SIGHUP and
    SIGUSR1 (should_preempt()) until the context is closed.
    """
    for k in other:
        if k not in _INIT_ARGS:
            unsupported("det.core.init(%s=...)" % k)
    _shim.require_trial("det.core.init()")
    if distributed is None:
        distributed = DistributedContext._from_env()
    elif not isinstance(distributed, DistributedContext):
        raise TypeError("det.core.init(distributed=...): a det.core.DistributedContext, not %s"
                        % type(distributed).__name__)
    return Context(distributed)


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise UnsupportedAttributeError(
        "det.core.%s" % name,
        "the shim provides det.core.init(), DistributedContext and the enums")

