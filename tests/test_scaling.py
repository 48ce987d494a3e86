"""The scaling sweep: one run, resuming after a kill, data parallelism on JAX (chapter 10)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.keras

REPO = Path(__file__).resolve().parents[1]
V, T = 11, 8


def token_ids(n: int, seed: int) -> np.ndarray:
    """A learnable toy stream: mostly ``t+1 mod V`` after ``t``, sometimes random."""
    rng = np.random.default_rng(seed)
    ids = np.empty(n, dtype=np.int32)
    ids[0] = 0
    jump = rng.random(n) < 0.2
    noise = rng.integers(0, V, n)
    for i in range(1, n):
        ids[i] = noise[i] if jump[i] else (ids[i - 1] + 1) % V
    return ids


TRAIN, VAL = token_ids(6000, 0), token_ids(600, 1)


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_train_run_learns_and_counts(backend):
    from mlfoundations import scaling
    from mlfoundations.reference.transformer import TransformerConfig, gpt_params

    config = TransformerConfig(V, T, 1, 2, 16)
    out = scaling.train_run(config, TRAIN, VAL, tokens=4 * T * 40, batch_size=4, max_lr=1e-2)
    assert out["N"] == gpt_params(config)["total"]
    assert out["steps"] == 40 and out["D"] == 40 * 4 * T
    assert out["C"] == pytest.approx(6 * out["N"] * out["D"])
    assert len(out["losses"]) == 40
    # uniform guessing costs log 11 = 2.40 nats; the stream is 80 % predictable
    assert out["val_loss"] < 0.9 * np.log(V)
    assert out["train_loss"] < 0.9 * np.log(V)


def test_per_step_losses_inverts_running_mean():
    from mlfoundations import scaling

    losses = np.array([3.0, 2.0, 1.5, 1.0])
    running = np.cumsum(losses) / np.arange(1, 5)
    np.testing.assert_allclose(scaling.per_step_losses(running), losses, rtol=1e-12)


def test_plan_skips_points_beyond_one_epoch():
    from mlfoundations import scaling

    todo, skipped = scaling.plan(
        [(1, 2, 8), (1, 2, 16)], [1e7, 1e9], vocab_size=V, block_size=T, max_tokens=10_000
    )
    assert all(p["D"] <= 10_000 for p in todo)
    assert skipped and all(p["D"] > 10_000 for p in skipped)
    assert len(todo) + len(skipped) == 4


def test_train_run_bad_input():
    from mlfoundations import scaling
    from mlfoundations.reference.transformer import TransformerConfig

    config = TransformerConfig(V, T, 1, 2, 16)
    with pytest.raises(ValueError, match="repeat data"):
        scaling.train_run(config, TRAIN, VAL, tokens=10 * len(TRAIN))
    with pytest.raises(ValueError, match="less than one batch"):
        scaling.train_run(config, TRAIN, VAL, tokens=3, batch_size=4)
    with pytest.raises(ValueError, match="ids in"):
        scaling.train_run(config, TRAIN + 100, VAL, tokens=64)
    with pytest.raises(TypeError, match="TransformerConfig"):
        scaling.train_run({"n_layer": 1}, TRAIN, VAL, tokens=64)
    with pytest.raises(ValueError, match="n_layer, n_head, n_embd"):
        scaling.plan([(1, 2)], [1e7], vocab_size=V, block_size=T, max_tokens=10_000)


SWEEP_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    sys.path.insert(0, {tests!r})
    from test_scaling import TRAIN, VAL, V, T, SIZES, BUDGETS
    from mlfoundations import scaling
    scaling.sweep(SIZES, BUDGETS, train_ids=TRAIN, val_ids=VAL, vocab_size=V,
                  folder=sys.argv[1], block_size=T, batch_size=4, min_steps=5,
                  progress=lambda row: print("done", row["n_embd"], flush=True))
    """
)
SIZES = [(1, 2, 8), (1, 2, 16), (1, 2, 24)]
BUDGETS = [2e7, 5e7]


def test_sweep_resumes_after_kill(tmp_path, backend):
    from mlfoundations import scaling

    folder = tmp_path / "sweep"
    script = tmp_path / "run_sweep.py"
    script.write_text(SWEEP_SCRIPT.format(tests=str(REPO / "tests")), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(folder)],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline()  # the first finished run
        assert line.startswith("done"), line
        proc.send_signal(signal.SIGKILL)  # mid-way: no chance to clean up
    finally:
        proc.kill()
        proc.wait(timeout=60)
    first = scaling.read_sweep(folder)
    assert 1 <= len(first) < 6

    rows = scaling.sweep(
        SIZES,
        BUDGETS,
        train_ids=TRAIN,
        val_ids=VAL,
        vocab_size=V,
        folder=folder,
        block_size=T,
        batch_size=4,
        min_steps=5,
    )
    todo, _ = scaling.plan(SIZES, BUDGETS, vocab_size=V, block_size=T, max_tokens=len(TRAIN))
    assert len(rows) == len(todo)
    on_disk = scaling.read_sweep(folder)
    keys = [(r["n_embd"], r["C_target"]) for r in on_disk]
    assert len(keys) == len(set(keys)) == len(todo)  # nothing repeated, nothing lost
    for before in first:  # the runs finished before the kill were not redone
        assert before in on_disk
    # a second call finds everything done and trains nothing
    start = time.perf_counter()
    again = scaling.sweep(SIZES, BUDGETS, train_ids=TRAIN, val_ids=VAL, vocab_size=V,
                          folder=folder, block_size=T, batch_size=4, min_steps=5)  # fmt: skip
    assert again == rows and time.perf_counter() - start < 5
    with pytest.raises(ValueError, match="other settings"):
        scaling.sweep(SIZES, BUDGETS, train_ids=TRAIN, val_ids=VAL, vocab_size=V,
                      folder=folder, block_size=T, batch_size=8)  # fmt: skip


DP_SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {tests!r})
    from test_scaling import TRAIN, VAL, V, T
    import keras
    from mlfoundations import scaling
    from mlfoundations.reference.transformer import TransformerConfig
    config = TransformerConfig(V, T, 1, 2, 16)
    out = {{"devices": [str(d) for d in keras.distribution.list_devices()]}}
    for dp in (False, True):
        r = scaling.train_run(config, TRAIN, VAL, tokens=8 * T * 25, batch_size=8,
                              data_parallel=dp)
        out[str(dp)] = {{"losses": r["losses"], "val_loss": r["val_loss"],
                        "devices": r["devices"]}}
    print("RESULT", json.dumps(out))
    """
)


def test_data_parallel(tmp_path, backend):
    from mlfoundations import scaling

    if backend != "jax":
        with pytest.raises(RuntimeError, match="JAX backend only"):
            scaling.data_parallel_devices()
        return
    script = tmp_path / "dp.py"
    script.write_text(DP_SCRIPT.format(tests=str(REPO / "tests")), encoding="utf-8")
    env = _env()
    env["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
    env["KERAS_BACKEND"] = "jax"
    proc = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT"))
    out = json.loads(line[len("RESULT ") :])
    assert len(out["devices"]) == 4
    assert out["False"]["devices"] == 1 and out["True"]["devices"] == 4
    one = scaling.per_step_losses(out["False"]["losses"])
    four = scaling.per_step_losses(out["True"]["losses"])
    # the same trajectory: float32 sums in another order, 25 steps of AdamW
    np.testing.assert_allclose(four, one, rtol=0, atol=1e-4)
    assert out["True"]["val_loss"] == pytest.approx(out["False"]["val_loss"], abs=1e-4)
