#!/usr/bin/env python3
"""Determined's mnist_pytorch model, trained on scikit-learn's bundled 8x8 digits.

The hyperparameters, the network (two convolutions, max pooling, two dropouts,
two linear layers, log_softmax) and the optimizer (Adadelta) are those of
Determined's mnist_pytorch example; the data is sklearn.datasets.load_digits,
which ships with scikit-learn, so nothing is downloaded.  The script follows
the hpsearch trial protocol (hpsearch-trial(7)):

  HPS_HPARAMS           JSON hyperparameters: learning_rate, n_filters1,
                        n_filters2, dropout1, dropout2 (defaults as in
                        const.yaml); optional global_batch_size (32) and
                        report_every (100 batches)
  HPS_MAX_LENGTH, HPS_LENGTH_UNIT
                        cumulative length to reach, in batches, records or
                        epochs (default 1000 batches); an unknown unit (a
                        time_metric) is counted in batches
  HPS_RECORDS_PER_EPOCH records per epoch (default: the 1437 training images)
  HPS_METRICS_FILE      one JSON line per validation (default: stdout)
  HPS_CHECKPOINT_DIR    checkpoint.pt is written here (atomically) at every
                        validation and on SIGTERM/SIGUSR1, and resumed from
  HPS_TRIAL_SEED        seeds torch
  HPS_SLOTS, WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT
                        data-parallel training with torch.distributed (gloo):
                        with WORLD_SIZE set the launcher (torchrun, srun)
                        started the ranks; else HPS_SLOTS > 1 spawns that many
                        local processes.  Only rank 0 writes metrics and
                        checkpoints.
  OMP_NUM_THREADS       torch threads per process (default 1)

SIGTERM or SIGUSR1: checkpoint at the next batch and exit with 128+signal.
Exit 0 once HPS_MAX_LENGTH is reached.
"""

# --- stdlib-only prelude: find an interpreter that has torch and sklearn ----
import os
import sys

_REEXEC_GUARD = "HPS_EXAMPLE_REEXEC"
_SYSTEM_PYTHON = "/usr/bin/python3"


def _ensure_dependencies():
    try:
        import torch  # noqa: F401
        import sklearn  # noqa: F401
        return
    except ImportError as e:
        missing = e.name or str(e)
    here = os.path.realpath(sys.executable or "")
    if (os.environ.get(_REEXEC_GUARD) != "1"
            and os.access(_SYSTEM_PYTHON, os.X_OK)
            and os.path.realpath(_SYSTEM_PYTHON) != here):
        # The first python3 on PATH (pyenv, a venv) lacks the packages:
        # try the system interpreter, once.
        os.environ[_REEXEC_GUARD] = "1"
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(_SYSTEM_PYTHON, [_SYSTEM_PYTHON] + sys.argv)
    sys.stderr.write(
        "train.py: cannot import %s with %s%s.\n"
        "train.py: this example needs PyTorch and scikit-learn; on Debian or "
        "Ubuntu: apt-get install python3-torch python3-sklearn\n"
        "train.py: (or pip install torch scikit-learn into the python3 "
        "that runs the trial)\n"
        % (missing, sys.executable,
           " (also tried %s)" % _SYSTEM_PYTHON
           if os.environ.get(_REEXEC_GUARD) == "1" else ""))
    sys.exit(1)


_ensure_dependencies()
# --- end of prelude ---------------------------------------------------------

import json  # noqa: E402
import math  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

CHECKPOINT = "checkpoint.pt"
DEFAULTS = {"learning_rate": 1.0, "n_filters1": 32, "n_filters2": 64,
            "dropout1": 0.25, "dropout2": 0.5, "global_batch_size": 32,
            "report_every": 100}
DEFAULT_LENGTH = 1000  # batches, as in const.yaml
VALIDATION_SIZE = 360  # of the 1797 digits; the other 1437 train

_signalled = 0


def _on_signal(signum, _frame):
    global _signalled
    _signalled = signum


class Net(nn.Module):
    """Determined's mnist_pytorch network, sized for 8x8 images.

    The same unpadded 3x3 convolutions and 2x2 max pooling take MNIST's 28x28
    to 12x12 and the digits' 8x8 to 2x2 (8 -> 6 -> 4 -> 2): only the input
    size of the first linear layer differs.
    """

    def __init__(self, hp):
        super().__init__()
        n1, n2 = int(hp["n_filters1"]), int(hp["n_filters2"])
        self.conv1 = nn.Conv2d(1, n1, 3)
        self.conv2 = nn.Conv2d(n1, n2, 3)
        self.dropout1 = nn.Dropout(float(hp["dropout1"]))
        self.dropout2 = nn.Dropout(float(hp["dropout2"]))
        self.fc1 = nn.Linear(n2 * 2 * 2, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


def load_hparams():
    hp = dict(DEFAULTS)
    path = os.environ.get("HPS_HPARAMS")
    if path:
        with open(path, encoding="utf-8") as f:
            given = json.load(f)
        if not isinstance(given, dict):
            raise SystemExit("train.py: %s is not a JSON object" % path)
        hp.update(given)
    return hp


def load_data():
    """The digits, scaled like MNIST, split the same way in every trial."""
    digits = load_digits()
    x = digits.images.astype(np.float32) / 16.0
    y = digits.target.astype(np.int64)
    order = np.random.RandomState(0).permutation(len(y))
    val, train = order[:VALIDATION_SIZE], order[VALIDATION_SIZE:]
    mean, std = x[train].mean(), x[train].std()
    x = torch.from_numpy((x - mean) / std).unsqueeze(1)
    y = torch.from_numpy(y)
    return x[train], y[train], x[val], y[val]


def target_batches(hp, n_train):
    """HPS_MAX_LENGTH in HPS_LENGTH_UNIT, as a number of global batches."""
    length = os.environ.get("HPS_MAX_LENGTH", "")
    if length == "":
        return DEFAULT_LENGTH
    unit = os.environ.get("HPS_LENGTH_UNIT", "batches")
    bs = int(hp["global_batch_size"])
    n = float(length)
    if unit == "records":
        return max(int(n) // bs, 1)
    if unit == "epochs":
        rpe = int(os.environ.get("HPS_RECORDS_PER_EPOCH") or n_train)
        return max(int(round(n * rpe / bs)), 1)
    return int(n)


def batch_indices(step, n_train, bs, seed):
    """Indices of global batch `step` (0-based): a fresh shuffle per epoch,
    a function of (seed, epoch) only, so a resumed trial sees the same data."""
    per_epoch = math.ceil(n_train / bs)
    epoch, k = divmod(step, per_epoch)
    g = torch.Generator().manual_seed(seed * 1000003 + epoch)
    perm = torch.randperm(n_train, generator=g)
    return perm[k * bs:(k + 1) * bs]


def evaluate(model, xv, yv):
    model.eval()
    with torch.no_grad():
        out = model(xv)
        loss = F.nll_loss(out, yv).item()
        acc = (out.argmax(dim=1) == yv).float().mean().item()
    model.train()
    return loss, acc


def save_checkpoint(ckdir, model, opt, batches, hp):
    if not ckdir:
        return
    os.makedirs(ckdir, exist_ok=True)
    path = os.path.join(ckdir, CHECKPOINT)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    state = {"model": model.state_dict(), "optimizer": opt.state_dict(),
             "batches": batches, "hparams": hp,
             "rng": torch.get_rng_state()}
    with open(tmp, "wb") as f:
        torch.save(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_checkpoint(ckdir, model, opt):
    path = os.path.join(ckdir, CHECKPOINT) if ckdir else ""
    if not path or not os.path.exists(path):
        return 0
    state = torch.load(path, map_location="cpu")
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["rng"])
    return int(state["batches"])


class Reporter:
    def __init__(self, hp, n_train):
        self.bs = int(hp["global_batch_size"])
        self.rpe = int(os.environ.get("HPS_RECORDS_PER_EPOCH") or n_train)
        self.unit = os.environ.get("HPS_LENGTH_UNIT", "batches") or "batches"
        path = os.environ.get("HPS_METRICS_FILE", "")
        self.f = open(path, "a", encoding="utf-8") if path else sys.stdout

    def __call__(self, batches, loss, acc):
        if not math.isfinite(loss):
            loss = None  # diverged: JSON has no NaN, write null
        m = {"batches": batches, "records": batches * self.bs,
             "epochs": batches * self.bs / float(self.rpe),
             "validation_loss": loss, "accuracy": acc}
        if self.unit not in m:
            m[self.unit] = batches
        self.f.write(json.dumps(m, sort_keys=True) + "\n")
        self.f.flush()


def stop_requested(world):
    """Whether any rank got SIGTERM/SIGUSR1 (the signal number, or 0)."""
    if world == 1:
        return _signalled
    flag = torch.tensor([_signalled], dtype=torch.int64)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return int(flag.item())


def train(rank, world):
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGUSR1, _on_signal)
    threads = int(os.environ.get("OMP_NUM_THREADS") or 1)
    torch.set_num_threads(max(threads, 1))
    if world > 1:
        dist.init_process_group("gloo", rank=rank, world_size=world)
    hp = load_hparams()
    seed = int(os.environ.get("HPS_TRIAL_SEED") or 0)
    torch.manual_seed(seed)
    xt, yt, xv, yv = load_data()
    n_train, bs = len(yt), int(hp["global_batch_size"])
    every = max(int(hp["report_every"]), 1)
    target = target_batches(hp, n_train)
    ckdir = os.environ.get("HPS_CHECKPOINT_DIR", "")
    model = Net(hp)
    opt = torch.optim.Adadelta(model.parameters(), lr=float(hp["learning_rate"]))
    done = load_checkpoint(ckdir, model, opt)
    net = model
    if world > 1:
        check = torch.tensor([done], dtype=torch.int64)
        dist.broadcast(check, 0)
        if int(check.item()) != done:
            raise SystemExit("train.py: rank %d sees a checkpoint at %d "
                             "batches, rank 0 at %d: is HPS_CHECKPOINT_DIR "
                             "shared?" % (rank, done, int(check.item())))
        torch.manual_seed(seed + 7919 * rank + done)  # dropout per rank
        net = nn.parallel.DistributedDataParallel(model)
    report = Reporter(hp, n_train) if rank == 0 else None
    if rank == 0:
        print("train.py: batches %d -> %d, %d process(es)" % (done, target, world),
              file=sys.stderr)
    start, sig = done, 0
    net.train()
    while done < target:
        sig = stop_requested(world)
        if sig:
            break
        idx = batch_indices(done, n_train, bs, seed)[rank::world]
        opt.zero_grad()
        loss = F.nll_loss(net(xt[idx]), yt[idx])
        loss.backward()
        opt.step()
        done += 1
        if rank == 0 and (done % every == 0 or done == target):
            report(done, *evaluate(model, xv, yv))
            save_checkpoint(ckdir, model, opt, done, hp)
    if rank == 0:
        if sig:
            save_checkpoint(ckdir, model, opt, done, hp)
            print("train.py: signal %d: checkpointed at %d batches"
                  % (sig, done), file=sys.stderr)
        elif done == start:  # nothing left to train: report where we are
            report(done, *evaluate(model, xv, yv))
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return 128 + sig if sig else 0


def _spawned(rank, world):
    os.environ["RANK"], os.environ["LOCAL_RANK"] = str(rank), str(rank)
    rc = train(rank, world)
    if rc:
        sys.exit(rc)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(world):
    """Run `world` local ranks; forward SIGTERM/SIGUSR1 to them."""
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", str(free_port()))
    os.environ["WORLD_SIZE"] = str(world)
    ctx = mp.spawn(_spawned, args=(world,), nprocs=world, join=False)

    def forward(signum, _frame):
        for p in ctx.processes:
            if p.is_alive():
                os.kill(p.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGUSR1, forward)
    try:
        while not ctx.join():
            pass
    except mp.ProcessExitedException as e:
        code = e.exit_code or 1
        return code if code > 0 else 128 - code  # killed by a signal
    except mp.ProcessRaisedException as e:
        print(e, file=sys.stderr)
        return 1
    return 0


def main():
    if os.environ.get("WORLD_SIZE"):
        world = int(os.environ["WORLD_SIZE"])
        rank = int(os.environ.get("RANK") or 0)
        if world > 1:
            os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
            if "MASTER_PORT" not in os.environ:
                raise SystemExit("train.py: WORLD_SIZE=%d needs MASTER_PORT"
                                 % world)
        return train(rank, world)
    slots = int(os.environ.get("HPS_SLOTS") or 1)
    if slots > 1:
        return spawn(slots)
    return train(0, 1)


if __name__ == "__main__":
    sys.exit(main())
