"""An LSTM encoder–decoder that reverses digit strings, with and without attention. Introduced in notebook 13.

The task needs the whole input: output token t is input token L + 1 - t. Without attention the encoder's final
state ``(h, c)`` is the only thing the decoder sees (the bottleneck); with attention the decoder also reads a
weighted average of every encoder output (``lstm_helpers.attention.dot_product_attention``), and that is the only
change: same embedding, same two LSTMs, same training budget and seeds.

Held-out strings are never trained on: a fixed hash rule (``is_held_out``) puts one string in ten aside, the training
sampler rejects those, and test sets are drawn only from them (``tests/test_seq2seq.py`` checks both).

The seed sweep of notebook 13 is committed as ``lstm_helpers/data/attention_seq2seq.json`` and rebuilt with::

    OMP_NUM_THREADS=1 python -m lstm_helpers.seq2seq
"""

import argparse
import hashlib
import html
import json
import sys
import time
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from tqdm.auto import tqdm

from ._render import BlitImage
from .attention import dot_product_attention

__all__ = [
    "PAD",
    "BOS",
    "EOS",
    "VOCAB_SIZE",
    "MIN_LEN",
    "MAX_LEN",
    "is_held_out",
    "random_strings",
    "encode_batch",
    "Seq2Seq",
    "Config",
    "train_seq2seq",
    "greedy_decode",
    "evaluate",
    "token_accuracy",
    "teacher_forced_token_accuracy",
    "held_out_sets",
    "SEEDS",
    "SWEEP_FILE",
    "run_one",
    "run_sweep",
    "WEIGHTS_FILE",
    "load_sweep",
    "check_digits",
    "load_attention_model",
    "attention_map",
    "AttentionExplorer",
]

PAD, BOS, EOS = 10, 11, 12  # token ids after the ten digits 0-9
VOCAB_SIZE = 13
MIN_LEN, MAX_LEN = 4, 16  # input lengths trained and tested
HELD_OUT_SHARE = 10  # one string in ten (by hash) is held out for testing
SEEDS = (0, 1, 2)
SWEEP_FILE = Path(__file__).resolve().parent / "data" / "attention_seq2seq.json"
WEIGHTS_FILE = SWEEP_FILE.with_suffix(".pt")  # seed 0's model with attention, for the heatmap and the explorer


def is_held_out(digits):
    """True for the strings reserved for testing: about one in ten, by a fixed hash of the string."""
    return zlib.crc32(digits.encode("ascii")) % HELD_OUT_SHARE == 0


def random_strings(count, generator, held_out=False, min_len=MIN_LEN, max_len=MAX_LEN, length=None):
    """``count`` random digit strings, lengths uniform in ``min_len..max_len`` (or all ``length``).

    ``held_out=False`` rejects held-out strings (training); ``held_out=True`` keeps only them (testing).
    ``generator`` is a ``numpy.random.Generator`` (seeded: repeatable).
    """
    out = []
    while len(out) < count:
        n = length if length is not None else int(generator.integers(min_len, max_len + 1))
        digits = "".join(map(str, generator.integers(0, 10, n)))
        if is_held_out(digits) == held_out:
            out.append(digits)
    return out


def check_digits(text, min_len=MIN_LEN, max_len=MAX_LEN):
    """``(digits, message)`` for a learner's typed input: digits '' and a message saying why when it is unusable."""
    digits = "".join(str(text).split())
    if not digits:
        return "", "Type a string of digits, for example 4071 or 9182736450."
    bad = sorted({ch for ch in digits if ch not in "0123456789"})
    if bad:
        return "", f"Only the digits 0-9 can be reversed; remove {', '.join(repr(c) for c in bad)}."
    if not min_len <= len(digits) <= max_len:
        return "", (
            f"The model was trained on {min_len} to {max_len} digits; yours has {len(digits)}. "
            f"Type between {min_len} and {max_len} digits."
        )
    return digits, ""


def encode_batch(strings):
    """Tensors for a batch of digit strings: ``src`` ``(batch, max_len)`` padded with PAD, ``lengths`` ``(batch,)``,
    ``dec_in`` ``(batch, max_len + 1)`` = BOS + reversed digits (teacher forcing) and ``target`` = reversed + EOS."""
    lengths = torch.tensor([len(s) for s in strings])
    width = int(lengths.max())
    src = torch.full((len(strings), width), PAD)
    dec_in = torch.full((len(strings), width + 1), PAD)
    target = torch.full((len(strings), width + 1), PAD)
    for b, s in enumerate(strings):
        digits = torch.tensor([int(ch) for ch in s])
        src[b, : len(s)] = digits
        dec_in[b, 0], dec_in[b, 1 : len(s) + 1] = BOS, digits.flip(0)
        target[b, : len(s)], target[b, len(s)] = digits.flip(0), EOS
    return src, lengths, dec_in, target


class Seq2Seq(nn.Module):
    """Embedding -> encoder ``nn.LSTM`` -> decoder ``nn.LSTM`` started from the encoder's final state -> read-out.

    ``attention=True`` changes one thing: the read-out sees ``[h_t, context_t]``, where ``context_t`` is the scaled
    dot-product attention of the decoder state ``h_t`` (the query) over the encoder outputs (keys and values),
    Luong et al. 2015's global attention without input feeding. Introduced in notebook 13.
    """

    def __init__(self, hidden_size=64, embedding_dim=16, attention=False):
        super().__init__()
        self.hidden_size, self.attention = hidden_size, bool(attention)
        self.embedding = nn.Embedding(VOCAB_SIZE, embedding_dim, padding_idx=PAD)
        self.encoder = nn.LSTM(embedding_dim, hidden_size, batch_first=True)
        self.decoder = nn.LSTM(embedding_dim, hidden_size, batch_first=True)
        self.readout = nn.Linear(hidden_size * (2 if attention else 1), VOCAB_SIZE)

    def encode(self, src, lengths):
        """Encoder outputs ``(batch, src_len, H)`` (zeros after each end), a key mask and the final state."""
        packed = pack_padded_sequence(self.embedding(src), lengths, batch_first=True, enforce_sorted=False)
        out, state = self.encoder(packed)  # state: each (1, batch, H), taken at each string's true end
        memory, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])  # (batch, src_len, H)
        mask = torch.arange(src.shape[1]) < lengths.unsqueeze(1)  # (batch, src_len): True on real digits
        return memory, mask, state

    def decode(self, dec_in, memory, mask, state):
        """Logits ``(batch, steps, VOCAB_SIZE)``, attention weights ``(batch, steps, src_len)`` or None, new state."""
        h, state = self.decoder(self.embedding(dec_in), state)  # h: (batch, steps, H)
        if not self.attention:
            return self.readout(h), None, state
        context, weights = dot_product_attention(h, memory, memory, mask.unsqueeze(1))  # (batch, steps, H)
        return self.readout(torch.cat([h, context], dim=-1)), weights, state

    def forward(self, src, lengths, dec_in):
        """Teacher-forced logits ``(batch, tgt_len, VOCAB_SIZE)``: the decoder is fed the true previous tokens."""
        memory, mask, state = self.encode(src, lengths)
        return self.decode(dec_in, memory, mask, state)[0]


@dataclass(frozen=True)
class Config:
    """One training run: model size, attention on or off, budget, seed."""

    attention: bool = False
    hidden_size: int = 64
    embedding_dim: int = 16
    num_steps: int = 1500
    batch_size: int = 64
    lr: float = 3e-3
    seed: int = 0


def train_seq2seq(config, progress=False):
    """Train a fresh ``Seq2Seq`` with teacher forcing; returns ``(model, losses, seconds)``. Introduced in notebook 13.

    Every step draws ``batch_size`` fresh training strings (never a held-out one); Adam, cross-entropy over the
    reversed digits and the EOS, gradient norm clipped to 1. ``config.seed`` fixes weights and data.
    """
    start = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = Seq2Seq(config.hidden_size, config.embedding_dim, config.attention)
    rng = np.random.default_rng(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    losses = []
    steps = range(config.num_steps)
    name = "with attention" if config.attention else "without attention"
    for _ in tqdm(steps, desc=f"seed {config.seed}, {name}", leave=False) if progress else steps:
        src, lengths, dec_in, target = encode_batch(random_strings(config.batch_size, rng))
        logits = model(src, lengths, dec_in)  # (batch, tgt_len, VOCAB_SIZE)
        loss = nn.functional.cross_entropy(logits.transpose(1, 2), target, ignore_index=PAD)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return model, losses, time.perf_counter() - start


@torch.no_grad()
def greedy_decode(model, strings, max_steps=MAX_LEN + 1):
    """Free-running decoding: each step is fed the model's own previous guess. Returns predicted strings and the
    attention weights ``(batch, steps, src_len)`` (None without attention)."""
    src, lengths, _, _ = encode_batch(strings)
    memory, mask, state = model.encode(src, lengths)
    token = torch.full((len(strings), 1), BOS)
    tokens, weights = [], []
    for _ in range(max_steps):
        logits, w, state = model.decode(token, memory, mask, state)  # logits: (batch, 1, VOCAB_SIZE)
        token = logits.argmax(-1)  # (batch, 1)
        tokens.append(token)
        if w is not None:
            weights.append(w)
    tokens = torch.cat(tokens, dim=1)  # (batch, max_steps)
    predictions = []
    for row in tokens.tolist():
        digits = []
        for t in row:
            if t > 9:  # EOS (or a stray BOS/PAD) ends the answer
                break
            digits.append(str(t))
        predictions.append("".join(digits))
    return predictions, (torch.cat(weights, dim=1) if weights else None)


@torch.no_grad()
def teacher_forced_token_accuracy(model, strings):
    """Share of output digits right when every step is fed the TRUE previous digit (what training sees)."""
    src, lengths, dec_in, target = encode_batch(strings)
    guess = model(src, lengths, dec_in).argmax(-1)  # (batch, tgt_len)
    digit = target <= 9
    return ((guess == target) & digit).sum().item() / digit.sum().item()


def token_accuracy(predictions, strings):
    """Share of output positions whose digit is right (a missing digit counts as wrong)."""
    right = total = 0
    for pred, s in zip(predictions, strings, strict=True):
        want = s[::-1]
        right += sum(a == b for a, b in zip(pred, want, strict=False))
        total += len(want)
    return right / total


def evaluate(model, sets):
    """Per length: exact-sequence accuracy, free-running and teacher-forced per-token accuracy."""
    rows = {}
    for length, strings in sets.items():
        predictions, _ = greedy_decode(model, strings)
        rows[length] = {
            "exact": sum(p == s[::-1] for p, s in zip(predictions, strings, strict=True)) / len(strings),
            "token": token_accuracy(predictions, strings),
            "token_teacher_forced": teacher_forced_token_accuracy(model, strings),
        }
    return rows


def held_out_sets(lengths=range(MIN_LEN, MAX_LEN + 1), per_length=200, seed=12345):
    """Held-out test strings (``is_held_out``), ``per_length`` of each length, distinct within a length."""
    rng = np.random.default_rng(seed)
    sets = {}
    for length in lengths:
        chosen = []
        while len(chosen) < per_length:
            (s,) = random_strings(1, rng, held_out=True, length=length)
            if s not in chosen:
                chosen.append(s)
        sets[length] = chosen
    return sets


TEST_LENGTHS = (4, 6, 8, 10, 12, 14, 16)


def run_one(attention, seed, sets, progress=True, **config):
    """Train one model and score it on ``sets`` (``held_out_sets``): a JSON-ready record."""
    cfg = Config(attention=attention, seed=seed, **config)
    cpu = time.process_time()
    model, losses, seconds = train_seq2seq(cfg, progress=progress)
    return model, {
        "config": asdict(cfg),
        "num_params": sum(p.numel() for p in model.parameters()),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "final_loss": round(float(np.mean(losses[-50:])), 4),
        "by_length": {str(n): {k: round(v, 4) for k, v in row.items()} for n, row in evaluate(model, sets).items()},
    }


def run_sweep(seeds=SEEDS, per_length=200, progress=True, **config):
    """Both models (attention off, on) over ``seeds``: accuracy per length on held-out strings, and time."""
    sets = held_out_sets(TEST_LENGTHS, per_length)
    runs, models = [], {}
    for attention in (False, True):
        for seed in seeds:
            models[attention, seed], record = run_one(attention, seed, sets, progress, **config)
            runs.append(record)
    return {"per_length": per_length, "lengths": list(TEST_LENGTHS), "runs": runs}, models


def load_sweep(path=SWEEP_FILE):
    """The committed sweep (see the module docstring for the command that rebuilds it)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"{path} is missing. Rebuild it with: OMP_NUM_THREADS=1 python -m lstm_helpers.seq2seq")
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_attention_model(path=WEIGHTS_FILE, sweep_path=SWEEP_FILE):
    """Seed 0's trained model with attention, from the committed sweep (``weights_only=True``; its sha256 is
    checked against the sweep's record)."""
    expected = load_sweep(sweep_path).get("weights", {}).get("sha256")
    if expected != _sha256(path):
        raise ValueError(
            f"{path} is not the file the sweep recorded (sha256 differs). Rebuild both with: "
            "OMP_NUM_THREADS=1 python -m lstm_helpers.seq2seq"
        )
    model = Seq2Seq(attention=True)
    model.load_state_dict(torch.load(path, weights_only=True))
    return model.eval()


def attention_map(model, digits):
    """``(prediction, weights)`` for one string: the greedy answer and its attention weights ``(len(digits),
    len(digits))``, row t = output step t + 1, column j = input position j + 1 (steps after the answer cut off)."""
    (prediction,), weights = greedy_decode(model, [digits], max_steps=len(digits))
    return prediction, weights[0].numpy()


class AttentionExplorer:
    """Where the decoder looks: the attention heatmap of one string, one output step highlighted.

    Introduced in notebook 13. ``read(text)`` checks a learner's typed digits (``check_digits``) and, if usable,
    decodes them; ``update(step)`` highlights output ``step`` (counted from 1) and says where it looked. Widgets:
    ``image`` (the heatmap), ``readout_html``, ``message_html``; ``controls()`` and ``layout()`` build the rest.
    """

    def __init__(self, model, digits="4071925836", figsize=(6.0, 4.0)):
        self.model, self.digits = model, ""
        fig = Figure(figsize=figsize, layout="constrained")
        self.ax = ax = fig.add_subplot()
        self.im = ax.imshow(np.zeros((MAX_LEN, MAX_LEN)), cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
        fig.colorbar(self.im, ax=ax, label="attention weight (rows sum to 1)")
        self.row = Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor="white", lw=2.5, linestyle="--")
        ax.add_patch(self.row)
        self.blit = BlitImage(fig, [self.row])
        self.image = self.blit.image.add_class("attention-explorer-heatmap")
        self.readout_html = widgets.HTML().add_class("attention-explorer-readout")
        self.message_html = widgets.HTML().add_class("attention-explorer-message")
        self.read(digits)

    def read(self, text):
        """Decode the learner's ``text`` if it is usable; otherwise show why not and keep the last string."""
        digits, message = check_digits(text)
        self.message_html.value = f"<span style='color:#a33'>{html.escape(message)}</span>" if message else ""
        if not digits:
            return False
        self.digits = digits
        self.prediction, self.weights = attention_map(self.model, digits)
        n = len(digits)
        self.im.set_data(self.weights)
        # the colour scale stays 0 to 1 for every string, so two strings' maps can be compared by colour
        self.im.set_extent((-0.5, n - 0.5, n - 0.5, -0.5))
        self.ax.set_xticks(range(n), [f"{j + 1}\n{d}" for j, d in enumerate(digits)])
        shown = self.prediction.ljust(n, "?")[:n]
        self.ax.set_yticks(range(n), [f"{t + 1}: {d}" for t, d in enumerate(shown)])
        self.ax.set(xlabel="input position (and digit)", ylabel="output step: digit written",
                    title=f"Reversing {digits}: where each output step looks")
        on_diagonal = int((self.weights.argmax(1) == np.arange(n)[::-1]).sum())
        self.blit.alt = (
            f"Heatmap of the attention weights while reversing {digits}: rows are output steps 1 to {n}, columns "
            f"input positions 1 to {n}. {on_diagonal} of {n} rows put their largest weight on position "
            f"{n} + 1 - step, the anti-diagonal."
        )
        self.blit.redraw_background()
        return True

    def update(self, step=1):
        """Highlight output ``step`` (from 1) and describe where it looked. Returns that row's weights."""
        n = len(self.digits)
        t = min(max(int(step), 1), n) - 1
        row = self.weights[t]
        j = int(row.argmax())
        self.row.set_bounds(-0.5, t - 0.5, n, 1)
        wrote = self.prediction[t] if t < len(self.prediction) else "(nothing: it stopped)"
        self.readout_html.value = (
            f"Output step {t + 1} wrote <b>{html.escape(wrote)}</b>; it looked most at input position "
            f"<b>{j + 1}</b> (digit {self.digits[j]}, weight {row[j]:.2f}). Reversing needs position "
            f"{n} + 1 − {t + 1} = {n - t}."
        )
        self.blit.refresh()
        return row

    def png(self):
        """The heatmap as PNG bytes (the still picture of a saved notebook)."""
        return self.blit.png()

    def controls(self):
        """The output-step slider, for ``interactive_output(explorer.update, {"step": slider})``."""
        return widgets.IntSlider(value=1, min=1, max=len(self.digits), description="output step",
                                 continuous_update=True).add_class("attention-explorer-step")

    def layout(self, slider, out):
        """Slider, heatmap, readout, a text box with a button for the learner's digits, and messages."""
        out.add_class("attention-explorer-out")
        box = widgets.Text(placeholder=f"{MIN_LEN} to {MAX_LEN} digits, e.g. 90210", description="your digits"
                           ).add_class("attention-explorer-input")
        button = widgets.Button(description="Reverse it", tooltip="Decode the digits in the box",
                                icon="play").add_class("attention-explorer-read")

        def read(_):
            if not self.read(box.value):
                return
            with slider.hold_trait_notifications():
                slider.max = len(self.digits)
                slider.value = min(slider.value, slider.max)
            self.update(slider.value)

        button.on_click(read)
        box.on_submit(read)
        parts = [slider, self.blit.picture, self.readout_html, widgets.HBox([box, button]), self.message_html, out]
        return widgets.VBox(parts)  # the picture with its hidden alt text (see BlitImage.picture)


PARTS_DIR = Path("seq2seq_runs")  # one file per run when the sweep is split over processes (--seed)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Rebuild notebook 13's encoder–decoder sweep (attention off/on).")
    parser.add_argument("--out", type=Path, default=SWEEP_FILE)
    parser.add_argument("--seed", type=int, help="run only this seed (both models) into --parts; merge later")
    parser.add_argument("--parts", type=Path, default=PARTS_DIR, help="folder for one-seed results")
    parser.add_argument("--merge", action="store_true", help="write --out from the one-seed results in --parts")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    command = "OMP_NUM_THREADS=1 python -m lstm_helpers.seq2seq"
    if args.seed is not None:
        args.parts.mkdir(parents=True, exist_ok=True)
        part, models = run_sweep(seeds=(args.seed,))
        torch.save(models[True, args.seed].state_dict(), args.parts / f"seed{args.seed}_attention.pt")
        (args.parts / f"seed{args.seed}.json").write_text(json.dumps(part, indent=1) + "\n", encoding="utf-8")
        return
    if args.merge:
        parts = [json.loads((args.parts / f"seed{seed}.json").read_text(encoding="utf-8")) for seed in SEEDS]
        sweep = {**parts[0], "runs": sorted((r for p in parts for r in p["runs"]),
                                            key=lambda r: (r["config"]["attention"], r["config"]["seed"]))}
        command += " (or in parallel: --seed 0, --seed 1, --seed 2, then --merge)"
    else:
        sweep, models = run_sweep()
        torch.save(models[True, 0].state_dict(), WEIGHTS_FILE)
    sweep["command"] = command
    weights = args.parts / "seed0_attention.pt" if args.merge else WEIGHTS_FILE
    if args.merge:
        WEIGHTS_FILE.write_bytes(weights.read_bytes())
    sweep["weights"] = {"file": WEIGHTS_FILE.name, "seed": 0, "attention": True, "sha256": _sha256(WEIGHTS_FILE)}
    args.out.write_text(json.dumps(sweep, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
