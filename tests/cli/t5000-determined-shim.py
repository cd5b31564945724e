#!/usr/bin/env python3
"""Unit checks of hpsearch's Determined shim (python/determined), run by
t5000-determined-core.sh with PYTHONPATH at the shim.  Each check runs in
a child python with a fake trial environment, so signals, exits and
imports never leak between checks.  Prints "ok - NAME" or
"not ok - NAME" per check, then "# detail" lines for failures.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

TMP = tempfile.mkdtemp(prefix="hps-det-")
results = []


def trial_env(name, **extra):
    d = os.path.join(TMP, name)
    os.makedirs(os.path.join(d, "ck"), exist_ok=True)
    with open(os.path.join(d, "hp.json"), "w") as f:
        json.dump({"lr": 0.1, "opt": {"beta": 0.9}}, f)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HPS_", "DET_", "HP_", "RANK", "WORLD_SIZE", "LOCAL_",
                                "NODE_RANK", "NNODES", "GROUP_"))}
    env.update({
        "HPS_TRIAL_ID": "3", "HPS_EXPERIMENT_ID": "7", "HPS_RUN": "2",
        "HPS_TRIAL_SEED": "1234", "HPS_HPARAMS": os.path.join(d, "hp.json"),
        "HPS_METRICS_FILE": os.path.join(d, "metrics.jsonl"),
        "HPS_CHECKPOINT_DIR": os.path.join(d, "ck"), "HPS_METRIC": "validation_loss",
        "HPS_MAX_LENGTH": "20", "HPS_LENGTH_UNIT": "batches",
        "DET_HPARAMS": json.dumps({"lr": 0.1, "opt": {"beta": 0.9}}),
    })
    env.update({k: str(v) for k, v in extra.items() if v is not None})
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
    return d, env


def py(code, env, timeout=30):
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def lines(d):
    try:
        with open(os.path.join(d, "metrics.jsonl")) as f:
            return [json.loads(x) for x in f]
    except FileNotFoundError:
        return []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))


# --- metrics -----------------------------------------------------------
d, env = trial_env("metrics", HPS_LENGTH_UNIT="epochs", HPS_MAX_LENGTH="4")
rc, out, err = py("""
    import determined as det
    with det.core.init() as c:
        c.train.report_training_metrics(steps_completed=2, metrics={"validation_loss": 9.0, "loss": float("nan")})
        c.train.report_validation_metrics(steps_completed=4, metrics={"validation_loss": 0.5, "acc": 0.75})
""", env)
m = lines(d)
check("metrics: training lines nest under 'training', validation lines are flat, unit from HPS_LENGTH_UNIT",
      rc == 0 and m == [{"epochs": 2, "training": {"validation_loss": 9.0, "loss": None}},
                        {"epochs": 4, "validation_loss": 0.5, "acc": 0.75}],
      "rc=%d m=%r err=%s" % (rc, m, err))

d, env = trial_env("collide")
rc, out, err = py("""
    import determined as det
    with det.core.init() as c:
        c.train.report_validation_metrics(5, {"batches": 1, "validation_loss": 1.0})
""", env)
check("metrics: a metric named like the unit key raises", rc != 0 and "collides" in err, err)

# --- unsupported calls ---------------------------------------------------
d, env = trial_env("unsupported")
for code, needle in [
    ("import determined.pytorch", "import determined.pytorch is not supported"),
    ("import determined as det\nfrom determined.experimental import client", "determined.experimental"),
    ("import determined as det\nwith det.core.init() as c: c.train.get_tensorboard_path()",
     "core_context.train.get_tensorboard_path is not supported"),
    ("import determined as det\nwith det.core.init() as c: c.profiler.on()", "core_context.profiler is not supported"),
    ("import determined as det\ndet.core.init(foo=1)", "det.core.init(foo=...) is not supported"),
    ("import determined as det\ndet.TrialContext", "det.TrialContext is not supported"),
    ("import determined as det\nwith det.core.init() as c:\n  with c.checkpoint.store_path({}, shard=True): pass",
     "store_path(shard=True) is not supported"),
]:
    rc, out, err = py(code, env)
    check("unsupported: %s raises naming it" % needle.split(" is ")[0],
          rc != 0 and needle in err and "hpsearch-trial(7)" in err, err[-400:])
rc, out, err = py("import determined as det\nprint(hasattr(det.core.init(), 'nosuch'))", env)
check("unsupported: hasattr() still answers False", rc == 0 and out.strip() == "False", err)

# --- checkpoints ---------------------------------------------------------
d, env = trial_env("ckpt")
rc, out, err = py("""
    import os, determined as det
    with det.core.init() as c:
        with c.checkpoint.store_path({"steps_completed": 10}) as (path, sid):
            open(os.path.join(path, "w"), "w").write("10")
        print(sid)
        try:
            with c.checkpoint.store_path({"steps_completed": 11}) as (path, bad):
                raise KeyError("half-written")
        except KeyError:
            pass
        print(bad)
        with c.checkpoint.restore_path(sid) as p:
            print(open(os.path.join(p, "w")).read())
        print(c.checkpoint.get_metadata(sid)["steps_completed"])
""", env)
parts = out.split()
ck = os.path.join(d, "ck")
latest = open(os.path.join(ck, "det_latest_checkpoint")).read().strip() if os.path.exists(
    os.path.join(ck, "det_latest_checkpoint")) else None
check("checkpoint: store_path makes CHECKPOINT_DIR/<id>/ with metadata.json; latest points at it",
      rc == 0 and len(parts) == 4 and latest == parts[0] and parts[2] == "10" and parts[3] == "10"
      and os.path.exists(os.path.join(ck, parts[0], "metadata.json")), "out=%r err=%s" % (out, err))
check("checkpoint: a store_path that raised leaves no directory and does not become latest",
      rc == 0 and len(parts) == 4 and not os.path.exists(os.path.join(ck, parts[1])), out)
env2 = dict(env, DET_LATEST_CHECKPOINT=parts[0] if parts else "x")
rc, out, err = py("""
    import determined as det
    i = det.get_cluster_info()
    print(i.latest_checkpoint, i.trial.trial_id, i.trial.experiment_id, i.trial.trial_seed,
          i.trial.hparams["opt"]["beta"])
""", env2)
check("cluster info: latest_checkpoint, trial_id, experiment_id, trial_seed, hparams",
      rc == 0 and out.split() == [parts[0] if parts else "?", "3", "7", "1234", "0.9"], out + err)
rc, out, err = py("""
    import determined as det
    with det.core.init() as c:
        with c.checkpoint.restore_path("no-such-id"): pass
""", env)
check("checkpoint: restore_path of an unknown id raises naming it", rc != 0 and "no-such-id" in err, err)
_, env3 = trial_env("outside", HPS_TRIAL_ID=None)
rc, out, err = py("import determined as det\nprint(det.get_cluster_info())\ndet.core.init()", env3)
check("outside a trial: get_cluster_info() is None, core.init() raises",
      rc != 0 and out.strip() == "None" and "not inside an hpsearch trial" in err, err)

# --- searcher operations --------------------------------------------------
d, env = trial_env("ops")
rc, out, err = py("""
    import determined as det
    with det.core.init() as c:
        for op in c.searcher.operations():
            print(op.length, c.searcher.get_configured_units())
            op.report_progress(10)
            op.report_completed(0.25)
""", env)
check("searcher: one operation of HPS_MAX_LENGTH; report_completed writes the metric at it",
      rc == 0 and out.split() == ["20", "Unit.BATCHES"] and lines(d) == [{"batches": 20, "validation_loss": 0.25}],
      "out=%r m=%r err=%s" % (out, lines(d), err))
d, env = trial_env("ops2")
rc, out, err = py("""
    import determined as det
    with det.core.init() as c:
        for op in c.searcher.operations():
            pass
""", env)
check("searcher: an operation left uncompleted raises", rc != 0 and "report_completed" in err, err)
d, env = trial_env("ops3", HPS_MAX_LENGTH=None)
rc, out, err = py("""
    import determined as det
    with det.core.init() as c:
        next(iter(c.searcher.operations()))
""", env)
check("searcher: without a length, operations() raises saying why", rc != 0 and "max_length" in err, err)

# --- distributed ------------------------------------------------------------
d, env = trial_env("dist", NODE_RANK=1, NNODES=2)
rc, out, err = py("""
    import determined as det
    with det.core.init() as c:
        d = c.distributed
        print(d.rank, d.size, d.cross_rank, d.cross_size)
        c.train.report_validation_metrics(1, {"validation_loss": 1.0})
""", env)
check("distributed: rank/size from NODE_RANK/NNODES; a non-chief report raises",
      out.split() == ["1", "2", "1", "2"] and rc != 0 and "chief" in err, out + err)
d, env = trial_env("torchrun", RANK=3, WORLD_SIZE=4, LOCAL_RANK=1, LOCAL_WORLD_SIZE=2)
rc, out, err = py("""
    import determined as det
    with det.core.init(distributed=det.core.DistributedContext.from_torch_distributed()) as c:
        d = c.distributed
        print(d.rank, d.size, d.local_rank, d.local_size, d.cross_rank, d.cross_size)
""", env)
check("distributed: from_torch_distributed() reads torchrun's variables",
      rc == 0 and out.split() == ["3", "4", "1", "2", "1", "2"], out + err)

# --- preemption ---------------------------------------------------------------
d, env = trial_env("preempt")
rc, out, err = py("""
    import os, signal, determined as det
    with det.core.init() as c:
        print(c.preempt.should_preempt())
        os.kill(os.getpid(), signal.SIGTERM)
        print(c.preempt.should_preempt())
""", env)
check("preempt: SIGTERM makes should_preempt() true; the run then exits 143 (length not reached)",
      out.split() == ["False", "True"] and rc == 143, "rc=%d out=%r err=%s" % (rc, out, err))
d, env = trial_env("preempt2")
rc, out, err = py("""
    import os, signal, determined as det
    with det.core.init() as c:
        os.kill(os.getpid(), signal.SIGUSR1)
        print(c.preempt.should_preempt())
        c.train.report_validation_metrics(20, {"validation_loss": 1.0})
""", env)
check("preempt: SIGUSR1 too; a run that reached its length still exits 0",
      out.split() == ["True"] and rc == 0, "rc=%d out=%r err=%s" % (rc, out, err))
d, env = trial_env("nohandler")
rc, out, err = py("""
    import os, signal, determined as det
    print(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
    with det.core.init() as c:
        pass
    print(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
""", env)
check("preempt: importing determined installs no handler; closing the context restores them",
      rc == 0 and out.split() == ["True", "True"], out + err)

# --- InvalidHP ----------------------------------------------------------------
d, env = trial_env("invalid")
rc, out, err = py("import determined as det\nraise det.InvalidHP('bad lr')", env)
check("InvalidHP: uncaught, the run exits 78", rc == 78 and "bad lr" in err, "rc=%d err=%s" % (rc, err))

for name, good, detail in results:
    print("%s - %s" % ("ok" if good else "not ok", name))
    if not good:
        for ln in str(detail).splitlines()[-15:]:
            print("# " + ln)

shutil.rmtree(TMP, ignore_errors=True)
