"""A long-memory task: recall the sign of the first input after a delay of equally strong distractors.

Introduced in notebook 05 (``05_lstm_gradient_flow``); notebook 12 reuses it to compare RNN, LSTM and GRU.

Each sequence has ``seq_len = delay + 1`` steps and two input features per step: ``value_t``, a random ±1, and
``marker_t``, which is 1 at ``t = 0`` only. The target is ``value_0``, the sign seen at the marked first step;
every later value is a distractor exactly as strong as the signal. A model reads the whole sequence and answers
from its last hidden state, so it must carry one bit across ``delay`` steps. Guessing gives 50% accuracy.
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ._validate import check_finite_number, check_positive_int

__all__ = [
    "MEMORY_INPUT_SIZE",
    "DEFAULT_HIDDEN_SIZE",
    "MemoryBatch",
    "MemoryResult",
    "MemoryClassifier",
    "memory_batch",
    "set_forget_bias",
    "count_parameters",
    "memory_accuracy",
    "train_memory_task",
    "sequence_keys",
    "unseen_subset",
    "SOLVED",
    "SWEEP_PATH",
    "SWEEP_SETUPS",
    "run_memory_sweep",
    "load_memory_sweep",
    "solved_counts",
]

MEMORY_INPUT_SIZE = 2  # (value_t, marker_t)
# Hidden sizes that give the three kinds a similar number of parameters (337, 393 and 361 with the read-out).
DEFAULT_HIDDEN_SIZE = {"rnn": 16, "lstm": 8, "gru": 9}
_KINDS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@dataclass(frozen=True)
class MemoryBatch:
    """One batch of the recall task: ``x`` is ``(batch_size, seq_len, 2)``, ``y`` is ``(batch_size,)`` in {0, 1}."""

    x: torch.Tensor
    y: torch.Tensor

    @property
    def sign(self):
        """The first input's sign, ±1, for each sequence: ``(batch_size,)``."""
        return self.y * 2 - 1


@dataclass
class MemoryResult:
    """What ``train_memory_task`` returns: test ``accuracy`` (0 to 1), the training ``losses`` and more."""

    kind: str
    delay: int
    accuracy: float
    losses: list = field(repr=False)
    num_params: int
    seconds: float = field(repr=False)
    model: nn.Module = field(repr=False)
    test_size: int | None = None  # test sequences scored (with unseen_test=True: only those never trained on)

    @property
    def final_loss(self):
        """Mean training loss over the last 20 steps (less noisy than the last one)."""
        tail = self.losses[-20:]
        return sum(tail) / len(tail)


def _check_kind(kind):
    if not isinstance(kind, str) or kind.lower() not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(_KINDS)}, but got {kind!r}. Example: kind='lstm'.")
    return kind.lower()


def _check_delay(delay):
    if isinstance(delay, bool) or not isinstance(delay, int) or delay < 0:
        raise ValueError(f"delay must be a whole number of steps, 0 or more, but got {delay!r}. Example: delay=30.")
    return delay


def memory_batch(batch_size, delay, generator=None):
    """A batch of the recall task with ``delay`` distractor steps after the signal. Introduced in notebook 05.

    Returns a ``MemoryBatch``: ``x`` is ``(batch_size, delay + 1, 2)`` holding ``[value_t, marker_t]`` and ``y``
    is ``(batch_size,)``, 1.0 where the first value is +1 and 0.0 where it is -1. Pass a seeded
    ``torch.Generator`` for repeatable batches.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    delay = _check_delay(delay)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, but got {type(generator).__name__}.")
    seq_len = delay + 1
    values = torch.randint(0, 2, (batch_size, seq_len), generator=generator).float() * 2 - 1  # (batch, seq_len)
    marker = torch.zeros(batch_size, seq_len)  # (batch, seq_len)
    marker[:, 0] = 1.0
    x = torch.stack([values, marker], dim=-1)  # (batch, seq_len, 2)
    y = (values[:, 0] > 0).float()  # (batch,)
    return MemoryBatch(x, y)


class MemoryClassifier(nn.Module):
    """An ``nn.RNN``/``nn.LSTM``/``nn.GRU`` and a linear read-out of the last hidden state, giving one logit.

    A positive logit means "the first value was +1". Introduced in notebook 05.
    """

    def __init__(self, kind="lstm", hidden_size=None, input_size=MEMORY_INPUT_SIZE):
        super().__init__()
        self.kind = _check_kind(kind)
        hidden_size = DEFAULT_HIDDEN_SIZE[self.kind] if hidden_size is None else hidden_size
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.input_size = check_positive_int(input_size, "input_size")
        self.rnn = _KINDS[self.kind](self.input_size, self.hidden_size, batch_first=True)
        self.readout = nn.Linear(self.hidden_size, 1)

    def forward(self, x):
        if not isinstance(x, torch.Tensor) or x.dim() != 3 or x.shape[-1] != self.input_size:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(
                f"x must be a tensor (batch_size, seq_len, {self.input_size}), but got {shape}. "
                "Use memory_batch(...).x."
            )
        out, _ = self.rnn(x)  # (batch, seq_len, hidden_size)
        return self.readout(out[:, -1, :]).squeeze(-1)  # (batch,) logits


def count_parameters(model):
    """The number of trainable numbers in ``model``. Introduced in notebook 05."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, but got {type(model).__name__}.")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def set_forget_bias(module, value):
    """Set an ``nn.LSTM``'s forget-gate bias to ``value`` (or a ``GRU``'s update-gate bias). Introduced in notebook 05.

    PyTorch packs the gates as i, f, g, o, so the forget gate is rows ``hidden_size:2*hidden_size`` of
    ``bias_ih_l0`` and ``bias_hh_l0``; the two biases are added, so one gets ``value`` and the other 0. For a GRU
    (gates r, z, n) the same rows hold the update gate z, and a large z also means "keep the old state".
    ``module`` may be the recurrent layer itself or a ``MemoryClassifier``. Returns the layer.
    """
    layer = module.rnn if isinstance(module, MemoryClassifier) else module
    if not isinstance(layer, (nn.LSTM, nn.GRU)):
        raise TypeError(
            f"set_forget_bias needs an nn.LSTM or nn.GRU (or a MemoryClassifier of kind 'lstm'/'gru'), "
            f"but got {type(layer).__name__}. A plain RNN has no forget gate."
        )
    value = check_finite_number(value, "value")
    H = layer.hidden_size
    with torch.no_grad():
        for k in range(layer.num_layers):
            for name in (f"bias_ih_l{k}", f"bias_hh_l{k}"):
                bias = getattr(layer, name, None)
                if bias is None:
                    raise ValueError("This layer was built with bias=False, so it has no forget bias to set.")
                bias[H : 2 * H] = value if name.startswith("bias_ih") else 0.0
    return layer


def memory_accuracy(model, batch):
    """Fraction of ``batch`` (a ``MemoryBatch``) whose first sign ``model`` recalls. Introduced in notebook 05."""
    if not isinstance(batch, MemoryBatch):
        raise TypeError(f"batch must be a MemoryBatch (from memory_batch), but got {type(batch).__name__}.")
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logits = model(batch.x)  # (batch,)
    model.train(was_training)
    return ((logits > 0).float() == batch.y).float().mean().item()


def sequence_keys(batch):
    """One bytes key per sequence of a ``MemoryBatch``: its ±1 values packed as bits. Introduced in notebook 05.

    Two sequences of the same length have the same key exactly when they are the same sequence (the marker is
    always the same), so a set of keys remembers which sequences a model was trained on.
    """
    if not isinstance(batch, MemoryBatch):
        raise TypeError(f"batch must be a MemoryBatch (from memory_batch), but got {type(batch).__name__}.")
    bits = np.packbits(batch.x[..., 0].numpy() > 0, axis=1)  # (batch, ceil(seq_len / 8))
    return [row.tobytes() for row in bits]


def unseen_subset(batch, seen):
    """The sequences of ``batch`` whose key is not in ``seen`` (``sequence_keys``). Introduced in notebook 05."""
    keep = torch.tensor([key not in seen for key in sequence_keys(batch)], dtype=torch.bool)
    return MemoryBatch(batch.x[keep], batch.y[keep])


def train_memory_task(
    kind="lstm",
    delay=30,
    hidden_size=None,
    forget_bias=None,
    lr=1e-2,
    num_steps=300,
    batch_size=64,
    seed=0,
    test_size=512,
    clip_grad_norm=1.0,
    unseen_test=False,
):
    """Train a fresh ``MemoryClassifier`` on the recall task and return a ``MemoryResult``. Introduced in notebook 05.

    Every step draws a new batch; Adam with learning rate ``lr`` minimises binary cross-entropy and the gradient
    norm is clipped to ``clip_grad_norm``. ``forget_bias`` (LSTM/GRU only; ``None`` keeps PyTorch's random
    initialisation) is set before training. Accuracy is measured on ``test_size`` fresh sequences; with
    ``unseen_test=True`` only on those whose pattern of values occurred in no training batch (short delays have
    few patterns: at delay 15 about 14% of 150 steps' test sequences were also trained on). ``seed`` fixes the
    weights, the training batches and the test set, so a result is repeatable.
    """
    kind = _check_kind(kind)
    delay = _check_delay(delay)
    lr = check_finite_number(lr, "lr")
    if lr <= 0:
        raise ValueError(f"lr must be positive, but got {lr}. Typical values are 1e-3 to 2e-2.")
    num_steps = check_positive_int(num_steps, "num_steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    test_size = check_positive_int(test_size, "test_size")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be a whole number such as 0, but got {seed!r}.")
    clip_grad_norm = check_finite_number(clip_grad_norm, "clip_grad_norm")
    if forget_bias is not None and kind == "rnn":
        raise ValueError("forget_bias only applies to kind='lstm' or 'gru'; a plain RNN has no forget gate. Pass None.")

    start = time.perf_counter()
    with torch.random.fork_rng(devices=[]):  # seed the initial weights without touching the global generator
        torch.manual_seed(seed)
        model = MemoryClassifier(kind, hidden_size)
    if forget_bias is not None:
        set_forget_bias(model, forget_bias)
    train_gen = torch.Generator().manual_seed(seed)
    test_batch = memory_batch(test_size, delay, torch.Generator().manual_seed(10_000 + seed))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    losses, seen = [], set()
    model.train()
    for _ in range(num_steps):
        batch = memory_batch(batch_size, delay, train_gen)
        if unseen_test:
            seen.update(sequence_keys(batch))
        optimizer.zero_grad()
        loss = loss_fn(model(batch.x), batch.y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
        optimizer.step()
        losses.append(loss.item())
    if unseen_test:
        test_batch = unseen_subset(test_batch, seen)
        if len(test_batch.y) == 0:
            raise ValueError(
                f"Every test sequence at delay {delay} was also a training sequence: there are only "
                f"{2 ** (delay + 1)} patterns. Use a longer delay or unseen_test=False."
            )
    accuracy = memory_accuracy(model, test_batch)
    return MemoryResult(
        kind=kind,
        delay=delay,
        accuracy=accuracy,
        losses=losses,
        num_params=count_parameters(model),
        seconds=time.perf_counter() - start,
        model=model,
        test_size=len(test_batch.y),
    )


# --- the seed sweep of notebook 05 --------------------------------------------------------------------------------

SOLVED = 0.9  # a run "solves" a delay when it recalls at least 90% of unseen test sequences (chance is 50%)
SWEEP_PATH = Path(__file__).with_name("data") / "memory_sweep.json"
# name -> train_memory_task arguments. The RNN gets a small learning-rate sweep so the comparison is fair.
SWEEP_SETUPS = {
    "RNN, lr 3e-3": dict(kind="rnn", lr=3e-3),
    "RNN, lr 1e-2": dict(kind="rnn", lr=1e-2),
    "RNN, lr 3e-2": dict(kind="rnn", lr=3e-2),
    "RNN, lr 1e-1": dict(kind="rnn", lr=1e-1),
    "LSTM, forget bias 0": dict(kind="lstm", forget_bias=0.0, lr=1e-2),
    "LSTM, forget bias 4": dict(kind="lstm", forget_bias=4.0, lr=1e-2),
}
# (setup names, delays, num_steps): every setup at three delays within 150 steps, and the budget effect at 600
SWEEP_PLAN = (
    (tuple(SWEEP_SETUPS), (15, 30, 45), 150),
    (("RNN, lr 1e-2", "RNN, lr 3e-2"), (30,), 600),
    (("LSTM, forget bias 0",), (15,), 600),
)
SWEEP_SEEDS = (0, 1, 2, 3, 4)


def run_memory_sweep(plan=SWEEP_PLAN, seeds=SWEEP_SEEDS, progress=None):
    """Train every (setup, delay, num_steps) of ``plan`` for every seed; return one dict per run.

    Each run is ``train_memory_task(**SWEEP_SETUPS[name], delay=..., num_steps=..., seed=..., unseen_test=True)``,
    so accuracies are measured on sequences the model never trained on. ``progress`` (e.g. a tqdm bar) is updated
    once per run. Introduced in notebook 05; ``python -m lstm_helpers.memory_task`` rebuilds ``SWEEP_PATH``.
    """
    runs = []
    for names, delays, num_steps in plan:
        for name in names:
            for delay in delays:
                for seed in seeds:
                    result = train_memory_task(
                        **SWEEP_SETUPS[name], delay=delay, num_steps=num_steps, seed=seed, unseen_test=True
                    )
                    runs.append(dict(setup=name, delay=delay, num_steps=num_steps, seed=seed, accuracy=result.accuracy))
                    if progress is not None:
                        progress.update()
    return runs


def load_memory_sweep(path=SWEEP_PATH):
    """The stored sweep (see ``run_memory_sweep``): a dict with ``runs``, ``seeds``, ``solved`` and how it was made."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def solved_counts(runs, threshold=SOLVED):
    """``{(setup, delay, num_steps): (solved, total)}``: how many seeds reached ``threshold`` test accuracy."""
    counts = {}
    for run in runs:
        key = (run["setup"], run["delay"], run["num_steps"])
        solved, total = counts.get(key, (0, 0))
        counts[key] = (solved + (run["accuracy"] >= threshold), total + 1)
    return counts


# Other numeric code paths (as in tools/course.py portable): training is chaotic, so a run that is near the edge can
# flip between solved and unsolved when the last bits of a matrix product change. The sweep records them too.
CODE_PATHS = {  # the profiles of tools/course.py portable
    "mkl-compatible": {"MKL_CBWR": "COMPATIBLE"},
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "sse4": {"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "ONEDNN_MAX_CPU_ISA": "SSE41"},
}
_SWEEP_TO_STDOUT = (
    "import json, torch; torch.set_num_threads(1); "
    "from lstm_helpers.memory_task import run_memory_sweep; print(json.dumps(run_memory_sweep()))"
)


def _rounded(runs):
    return [{**run, "accuracy": round(run["accuracy"], 4)} for run in runs]


def _write_sweep(path=SWEEP_PATH):
    """Run the sweep here and under each of ``CODE_PATHS`` (in subprocesses) and write ``path``; about 3 minutes."""
    import os
    import subprocess
    import sys

    torch.set_num_threads(1)
    start = time.perf_counter()
    runs = run_memory_sweep()
    seconds = round(time.perf_counter() - start, 1)
    other = {}
    for label, variables in CODE_PATHS.items():
        env = {**os.environ, "OMP_NUM_THREADS": "1", **variables}
        out = subprocess.run([sys.executable, "-c", _SWEEP_TO_STDOUT], env=env, capture_output=True, text=True)
        out.check_returncode()
        other[label] = _rounded(json.loads(out.stdout))
    record = {
        "made_by": "python -m lstm_helpers.memory_task (run_memory_sweep with SWEEP_PLAN and SWEEP_SEEDS)",
        "torch": torch.__version__,
        "seconds": seconds,
        "seeds": list(SWEEP_SEEDS),
        "solved": SOLVED,
        "setups": SWEEP_SETUPS,
        "runs": _rounded(runs),
        "other_code_paths": {"variables": CODE_PATHS, "runs": other},
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"{len(runs)} runs in {seconds} s here (and again under {', '.join(CODE_PATHS)}) written to {path}")


if __name__ == "__main__":
    _write_sweep()
