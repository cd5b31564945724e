#!/usr/bin/env python3
"""A training script written against Determined's Core API, unchanged.

It fits y = 3x + 1 with mini-batch SGD and momentum on synthetic data
(standard library only, a few milliseconds per trial), the way
Determined's Core API tutorial writes a script: hyperparameters and the
checkpoint to resume from come from det.get_cluster_info(), the length to
train to from core_context.searcher.operations(), and the loop reports
training and validation metrics, stores a checkpoint after each
operation, and stops early when core_context.preempt.should_preempt()
says so.

Under hpsearch the same file runs through the Determined shim that
`hpsearch exec` puts on PYTHONPATH (hpsearch-trial(7), MOVING FROM
DETERMINED).  DETCORE_SLEEP (seconds per batch, default 0) slows it down
for tests of preemption.
"""

import json
import logging
import os
import pathlib
import random
import time

import determined as det


def batch(seed, step, size=16):
    """The step-th training batch: the same for every run of a trial, so a
    resumed trial trains exactly what an uninterrupted one would."""
    rng = random.Random(seed * 1000003 + step)
    xs = [rng.uniform(-1.0, 1.0) for _ in range(size)]
    return [(x, 3.0 * x + 1.0 + rng.gauss(0.0, 0.1)) for x in xs]


VALIDATION = batch(12345, -1, size=256)


def mse(w, b, data):
    return sum((w * x + b - y) ** 2 for x, y in data) / len(data)


def save_state(core_context, state, trial_id):
    with core_context.checkpoint.store_path({"steps_completed": state["steps"]}) as (path, uuid):
        with pathlib.Path(path, "state.json").open("w") as f:
            json.dump(dict(state, trial_id=trial_id), f)
    return uuid


def load_state(core_context, latest_checkpoint, trial_id):
    with core_context.checkpoint.restore_path(latest_checkpoint) as path:
        with pathlib.Path(path, "state.json").open() as f:
            state = json.load(f)
    if state.pop("trial_id") != trial_id:  # a warm start: begin at zero
        state["steps"] = 0
    return state


def main(core_context, latest_checkpoint, trial_id, trial_seed, hparams):
    lr = hparams["learning_rate"]
    momentum = hparams["momentum"]
    state = {"steps": 0, "w": 0.0, "b": 0.0, "vw": 0.0, "vb": 0.0}
    if latest_checkpoint is not None:
        state = load_state(core_context, latest_checkpoint, trial_id)
        logging.info("resumed from checkpoint %s at batch %d", latest_checkpoint, state["steps"])
    print("resumed_from=%d" % state["steps"], flush=True)
    sleep = float(os.environ.get("DETCORE_SLEEP", "0"))

    for op in core_context.searcher.operations():
        while state["steps"] < op.length:
            data = batch(trial_seed, state["steps"])
            gw = sum(2 * (state["w"] * x + state["b"] - y) * x for x, y in data) / len(data)
            gb = sum(2 * (state["w"] * x + state["b"] - y) for x, y in data) / len(data)
            state["vw"] = momentum * state["vw"] + gw
            state["vb"] = momentum * state["vb"] + gb
            state["w"] -= lr * state["vw"]
            state["b"] -= lr * state["vb"]
            state["steps"] += 1
            if sleep:
                time.sleep(sleep)
            if state["steps"] % 5 == 0:
                core_context.train.report_training_metrics(
                    steps_completed=state["steps"],
                    metrics={"loss": mse(state["w"], state["b"], data)})
                op.report_progress(state["steps"])
                if core_context.preempt.should_preempt():
                    save_state(core_context, state, trial_id)
                    logging.info("preempted at batch %d", state["steps"])
                    return
        val = mse(state["w"], state["b"], VALIDATION)
        core_context.train.report_validation_metrics(
            steps_completed=state["steps"], metrics={"validation_loss": val})
        save_state(core_context, state, trial_id)
        op.report_completed(val)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format=det.LOG_FORMAT)
    info = det.get_cluster_info()
    assert info is not None, "this example only runs in a trial"
    if not 0.0 <= info.trial.hparams["momentum"] < 1.0:
        raise det.InvalidHP("momentum must be in [0, 1)")
    with det.core.init() as core_context:
        main(core_context, info.latest_checkpoint, info.trial.trial_id,
             info.trial.trial_seed, info.trial.hparams)
