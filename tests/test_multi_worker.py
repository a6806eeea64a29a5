"""MultiWorkerMirroredStrategy: two local worker processes on loopback train
exactly what one process trains for the same global batch, and resume from a
checkpoint written under the strategy."""

import importlib.util
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

WORKER = os.path.join(
    os.path.dirname(__file__), "helpers", "multi_worker_gan.py"
)


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _env(tf_config=None):
    env = dict(os.environ)
    env.pop("TF_CONFIG", None)
    env["CUDA_VISIBLE_DEVICES"] = ""
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    return env


def _single(tmp_path, stops, monkeypatch):
    """One process on the default strategy, training on through ``stops``:
    its weights at each. The helper's ``main`` runs in this test process
    (no TF_CONFIG: the default strategy), which has TensorFlow loaded
    already; the workers are the processes that need their own."""
    out = str(tmp_path / "single{stop}.npz")
    stop = ",".join(str(s) for s in stops)
    spec = importlib.util.spec_from_file_location("multi_worker_gan", WORKER)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    monkeypatch.delenv("TF_CONFIG", raising=False)
    monkeypatch.setattr(
        sys, "argv", [WORKER, f"--out={out}", f"--stop={stop}"]
    )
    worker.main()
    return {s: dict(np.load(out.format(stop=s))) for s in stops}


def _two_workers(tmp_path, tag, stop, checkpoints=None):
    ports = _free_ports(2)
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    procs, outs = [], []
    for index in range(2):
        out = tmp_path / f"{tag}_worker{index}.npz"
        cmd = [sys.executable, WORKER, f"--out={out}", f"--stop={stop}"]
        if checkpoints:
            cmd.append(f"--checkpoints={checkpoints}")
        config = {
            "cluster": cluster,
            "task": {"type": "worker", "index": index},
        }
        procs.append(
            subprocess.Popen(
                cmd,
                env=_env(config),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
        outs.append(out)
    logs = []
    try:
        for proc in procs:
            logs.append(proc.communicate(timeout=300)[0])
    finally:
        for proc in procs:
            proc.kill()
    for proc, log in zip(procs, logs):
        assert proc.returncode == 0, log[-3000:]
    return [dict(np.load(out)) for out in outs]


def _assert_same(a, b):
    assert int(a["step"]) == int(b["step"])
    keys = sorted(k for k in a if k.startswith("w"))
    assert keys == sorted(k for k in b if k.startswith("w")) and len(keys) > 8
    for key in keys:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-5, atol=1e-6)
    # A resumed process logs only the epochs it ran.
    tail = b["d_loss"][-len(a["d_loss"]) :]
    np.testing.assert_allclose(a["d_loss"], tail, rtol=1e-4)


@pytest.mark.slow
def test_two_workers_equal_one_process_and_resume(tmp_path, monkeypatch):
    # Two workers train steps 0-4 (checkpointing), stop, and two new worker
    # processes resume from the checkpoint to step 8. At both points every
    # weight (both networks, EMA generator, optimizer slots and counters)
    # equals the single-process run's (one process training on through
    # both points).
    checkpoints = tmp_path / "checkpoints"
    first = _two_workers(tmp_path, "first", stop=4, checkpoints=checkpoints)
    assert os.listdir(checkpoints)
    resumed = _two_workers(tmp_path, "resumed", stop=8, checkpoints=checkpoints)
    singles = _single(tmp_path, (4, 8), monkeypatch)
    for stop, workers in ((4, first), (8, resumed)):
        single = singles[stop]
        assert int(single["step"]) == stop
        for worker in workers:
            _assert_same(worker, single)
