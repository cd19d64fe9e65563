"""The capstone's character-level language model: the model, its training loop, scoring, sampling, the shipped weights.

Introduced in notebook 09 (``09_character_language_model``), where the training loop is first written out in full;
notebook 10 looks inside the shipped model. ``python tools/char_model.py train`` rebuilds the shipped weights.
"""

import hashlib
import json
import math
import time
import warnings

import torch
from torch import nn
from tqdm.auto import tqdm

from .char_data import DATA_DIR, Vocabulary, load_vocabulary, text_metadata

__all__ = [
    "CharModel",
    "CharLSTM",
    "build_model",
    "detach_state",
    "stream_batches",
    "bits_per_char",
    "char_bits",
    "dynamic_bits",
    "adapt_on_chunk",
    "START_CHAR",
    "DYNAMIC_LR",
    "DYNAMIC_CHUNK",
    "sample",
    "train_char_model",
    "SHIPPED_WEIGHTS",
    "SHIPPED_METADATA",
    "SHIPPED_LOG",
    "load_shipped",
    "load_training_log",
    "matched_hidden_size",
    "compare_cells",
]

SHIPPED_WEIGHTS = DATA_DIR / "char_lstm.pt"
SHIPPED_METADATA = DATA_DIR / "char_lstm.json"
SHIPPED_LOG = DATA_DIR / "char_lstm_log.csv"
_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
LN2 = math.log(2)


class CharModel(nn.Module):
    """Embedding -> one recurrent layer (``cell`` = ``"lstm"``, ``"gru"`` or ``"rnn"``) -> linear read-out.

    Dropout (probability ``dropout``, active only in ``model.train()`` mode) is applied to the non-recurrent
    connections: the embeddings going into the recurrent layer and its outputs going into the read-out.

    ``forward(x, state=None)`` takes ids ``(batch, seq_len)`` and returns logits ``(batch, seq_len, vocab_size)``
    (the scores for the NEXT character at every position) and the final state to carry into the next chunk.
    """

    def __init__(self, vocab_size, embedding_dim=64, hidden_size=256, cell="lstm", dropout=0.3):
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(f"cell must be one of {sorted(_CELLS)}, but got {cell!r}.")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout is a probability in [0, 1), such as 0.3, but got {dropout}.")
        self.vocab_size, self.embedding_dim, self.hidden_size = int(vocab_size), int(embedding_dim), int(hidden_size)
        self.cell, self.dropout_p = cell, float(dropout)
        self.embedding = nn.Embedding(self.vocab_size, self.embedding_dim)
        self.rnn = _CELLS[cell](self.embedding_dim, self.hidden_size, batch_first=True)
        self.dropout = nn.Dropout(self.dropout_p)
        self.readout = nn.Linear(self.hidden_size, self.vocab_size)

    def forward(self, x, state=None):
        if x.dim() != 2 or x.dtype != torch.long:
            raise ValueError(
                f"x must be character ids of shape (batch, seq_len) and dtype torch.long, but got shape "
                f"{tuple(x.shape)} and dtype {x.dtype}. Encode text with Vocabulary.encode and add a batch dimension "
                "with ids.unsqueeze(0)."
            )
        emb = self.dropout(self.embedding(x))  # (batch, seq_len, embedding_dim)
        out, state = self.rnn(emb, state)  # (batch, seq_len, hidden_size)
        return self.readout(self.dropout(out)), state  # (batch, seq_len, vocab_size)

    def architecture(self):
        """The constructor arguments, as a dict (stored in the shipped model's metadata)."""
        return {
            "cell": self.cell,
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "hidden_size": self.hidden_size,
            "dropout": self.dropout_p,
        }


class CharLSTM(CharModel):
    """The capstone's model: embedding 64 -> ``nn.LSTM`` (hidden 256) -> linear read-out, with dropout in between."""

    def __init__(self, vocab_size, embedding_dim=64, hidden_size=256, dropout=0.4):
        super().__init__(vocab_size, embedding_dim, hidden_size, cell="lstm", dropout=dropout)


def build_model(architecture):
    """A fresh model from an ``architecture()`` dict (``CharLSTM`` when the cell is ``"lstm"``)."""
    arch = dict(architecture)
    if arch.get("cell", "lstm") == "lstm":
        arch.pop("cell", None)
        return CharLSTM(**arch)
    return CharModel(**arch)


def detach_state(state):
    """Cut the state off from the graph that made it (truncated BPTT): keep its values, forget its history."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def _as_ids(text_or_ids, vocab):
    if isinstance(text_or_ids, str):
        return (vocab or load_vocabulary()).encode(text_or_ids)
    ids = torch.as_tensor(text_or_ids)
    if ids.dim() != 1 or ids.dtype != torch.long:
        raise ValueError(f"Expected text or a 1-D tensor of ids (torch.long), but got shape {tuple(ids.shape)}.")
    return ids


def stream_batches(ids, batch_size, seq_len, offset=0):
    """Cut ``ids`` into ``batch_size`` parallel streams and yield ``(x, y)`` chunks of ``(batch_size, seq_len)``.

    Stream ``b`` is one contiguous piece of the text, so chunk ``k + 1`` of a row continues chunk ``k`` of the same
    row: the state at the end of one chunk is the right starting state for the next. ``y`` is ``x`` shifted by one.
    ``offset`` skips the first characters (a different offset each epoch moves the chunk boundaries).
    """
    ids = ids[offset:]
    stream_len = (len(ids) - 1) // batch_size
    if stream_len < seq_len:
        raise ValueError(
            f"{len(ids)} characters are too few for {batch_size} streams of chunks of {seq_len}: use a smaller "
            "batch_size or seq_len, or more text."
        )
    x_all = ids[: batch_size * stream_len].view(batch_size, stream_len)  # (batch_size, stream_len)
    y_all = ids[1 : batch_size * stream_len + 1].view(batch_size, stream_len)
    for start in range(0, stream_len - seq_len + 1, seq_len):
        yield x_all[:, start : start + seq_len], y_all[:, start : start + seq_len]


@torch.no_grad()
def bits_per_char(model, text_or_ids, vocab=None, num_streams=32, chunk_len=512, reset_every=None):
    """Average bits per character the model needs to predict ``text_or_ids`` (lower is better).

    The text is cut into ``num_streams`` contiguous streams scored in parallel (fast), the state carried from chunk to
    chunk; each stream's first character has no context and is not scored, and up to ``num_streams - 1``
    characters at the end are left out. ``reset_every=k`` starts every ``k`` characters from a zero state instead
    (a stateless model). Dropout is off while scoring. Returns a float.
    """
    ids = _as_ids(text_or_ids, vocab)
    stream_len = (len(ids) - 1) // num_streams
    if stream_len < 1:
        raise ValueError(f"{len(ids)} characters are too few to score in {num_streams} streams.")
    chunk = reset_every or chunk_len
    x_all = ids[: num_streams * stream_len].view(num_streams, stream_len)  # (num_streams, stream_len)
    y_all = ids[1 : num_streams * stream_len + 1].view(num_streams, stream_len)
    was_training = model.training
    model.eval()
    total, state = 0.0, None
    try:
        for start in range(0, stream_len, chunk):
            if reset_every:
                state = None
            logits, state = model(x_all[:, start : start + chunk], state)
            total += nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), y_all[:, start : start + chunk].reshape(-1), reduction="sum"
            ).item()
    finally:
        model.train(was_training)
    return total / (num_streams * stream_len) / LN2


START_CHAR = "\n"  # what comes before a held-out text: topics are joined with newlines
DYNAMIC_LR = 0.3  # SGD step size of dynamic evaluation, chosen on validation (benchmarks/char_model.py)
DYNAMIC_CHUNK = 50  # characters scored before each dynamic-evaluation step, chosen on validation


def _shifted(ids, vocab):
    """Inputs and targets that score EVERY character of ``ids``: the input starts with ``START_CHAR``."""
    start = (vocab or load_vocabulary()).index[START_CHAR]
    return torch.cat([torch.tensor([start]), ids[:-1]]), ids


@torch.no_grad()
def char_bits(model, text_or_ids, vocab=None, chunk_len=512):
    """Bits the model needs for each character of ``text_or_ids`` (a float64 numpy array, one value per character).

    One sequential pass from a zero state, the state carried from chunk to chunk, dropout off. Every character is
    scored, the first one after ``START_CHAR`` (a newline: held-out topics follow the text before them that way).
    Introduced in notebook 09; notebooks 10 and 11 use it per character.
    """
    ids = _as_ids(text_or_ids, vocab)
    if len(ids) == 0:
        return torch.zeros(0, dtype=torch.float64).numpy()
    inputs, targets = _shifted(ids, vocab)
    was_training = model.training
    model.eval()
    out, state = [], None
    try:
        for start in range(0, len(ids), chunk_len):
            logits, state = model(inputs[start : start + chunk_len].unsqueeze(0), state)  # (1, chunk, vocab_size)
            nll = nn.functional.cross_entropy(logits[0].double(), targets[start : start + chunk_len], reduction="none")
            out.append(nll / LN2)
    finally:
        model.train(was_training)
    return torch.cat(out).numpy()


def adapt_on_chunk(model, optimizer, inputs, targets, state):
    """One step of dynamic evaluation: the loss on a chunk just read, its gradient, one optimiser step.

    ``inputs`` and ``targets`` are ids of shape ``(1, chunk_len)``, ``state`` the state before the chunk (detached
    here, so the gradient stays inside the chunk). Returns the chunk's logits from BEFORE the step (detached: the
    predictions the chunk was scored with) and the state after the chunk, both computed with the old weights.
    """
    logits, new_state = model(inputs, detach_state(state))  # (1, chunk_len, vocab_size)
    loss = nn.functional.cross_entropy(logits[0], targets[0])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return logits.detach(), detach_state(new_state)


def dynamic_bits(model, text_or_ids, lr=DYNAMIC_LR, chunk_len=DYNAMIC_CHUNK, vocab=None, restore=True):
    """Per-character bits of dynamic evaluation (Krause et al. 2018): the model keeps learning while it reads.

    Score a chunk of ``chunk_len`` characters with the current weights, then take one plain SGD step (``lr``) on
    that chunk's loss and read on with the state carried (``adapt_on_chunk``). Each character is scored BEFORE the
    model has learned from it, so this is a fair code length. Dropout is off. ``restore=True`` puts the weights back
    afterwards; ``restore=False`` leaves the adapted weights in the model. Returns a float64 numpy array.
    Introduced in notebook 09; notebook 11 codes with it.
    """
    if lr <= 0 or chunk_len < 1:
        raise ValueError(f"lr must be > 0 and chunk_len >= 1 (e.g. lr=0.3, chunk_len=50), got {lr} and {chunk_len}.")
    ids = _as_ids(text_or_ids, vocab)
    inputs, targets = _shifted(ids, vocab) if len(ids) else (ids, ids)
    saved = {k: v.detach().clone() for k, v in model.state_dict().items()} if restore else None
    was_training = model.training
    model.eval()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    out, state = [], None
    try:
        for start in range(0, len(ids), chunk_len):
            x = inputs[start : start + chunk_len].unsqueeze(0)  # (1, chunk)
            y = targets[start : start + chunk_len].unsqueeze(0)
            logits, state = adapt_on_chunk(model, optimizer, x, y, state)
            out.append(nn.functional.cross_entropy(logits[0].double(), y[0], reduction="none") / LN2)
    finally:
        model.train(was_training)
        if saved is not None:
            model.load_state_dict(saved)
    return torch.cat(out).numpy() if out else torch.zeros(0, dtype=torch.float64).numpy()


@torch.no_grad()
def sample(model, vocab, prompt, num_chars=200, temperature=1.0, seed=0):
    """Continue ``prompt`` by ``num_chars`` characters drawn one at a time from the model (the continuation only).

    Each next character is drawn from ``softmax(logits / temperature)``: low temperatures sharpen the distribution
    (safe, repetitive text), high ones flatten it (surprising, then noisy text). ``temperature=0`` takes the most
    likely character every time (greedy). ``seed`` fixes the draws.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be 0 or more (e.g. 0.5, 1.0), but got {temperature}.")
    if not prompt:
        raise ValueError("sample needs a prompt of at least one character to start from, e.g. 'def '.")
    ids = vocab.encode(prompt).unsqueeze(0)  # (1, prompt_len)
    gen = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    out = []
    try:
        logits, state = model(ids)
        for _ in range(num_chars):
            last = logits[0, -1]  # (vocab_size,)
            if temperature == 0:
                nxt = int(last.argmax())
            else:
                nxt = int(torch.multinomial(torch.softmax(last / temperature, dim=-1), 1, generator=gen))
            out.append(nxt)
            logits, state = model(torch.tensor([[nxt]]), state)
    finally:
        model.train(was_training)
    return vocab.decode(out)


def _lr_at(step, num_steps, lr, schedule, min_lr):
    if schedule == "constant":
        return lr
    if schedule == "cosine":
        return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * step / max(num_steps, 1)))
    raise ValueError(f"schedule must be 'constant' or 'cosine', but got {schedule!r}.")


def train_char_model(
    model,
    train_ids,
    val_ids,
    num_steps,
    batch_size=32,
    seq_len=100,
    lr=2e-3,
    clip_grad_norm=1.0,
    schedule="constant",
    min_lr=1e-4,
    eval_every=100,
    seed=0,
    progress=True,
    on_improvement=None,
    on_record=None,
    val_streams=32,
    stop_at=None,
):
    """Train with stateful streams and truncated BPTT; return ``{"log", "best_val_bpc", "best_step", ...}``.

    The loop of notebook 09: ``batch_size`` parallel streams, chunks of ``seq_len`` characters, the state carried
    from chunk to chunk and detached, Adam, gradient-norm clipping, dropout (in the model). A new epoch starts the
    streams again from a zero state at a random offset. Every ``eval_every`` steps (and at the end) validation
    bits/char is measured; ``log`` has one record per evaluation (step, characters seen, seconds, lr, mean training
    bits/char since the last record, gradient-norm mean/max before clipping, fraction of steps clipped, validation
    bits/char). ``on_improvement(model, record)`` is called whenever validation improves (to save a checkpoint),
    ``on_record(record)`` after every evaluation. ``stop_at=k`` stops after step ``k`` (evaluating there) with the
    schedule still set by ``num_steps``: the first ``k`` steps of a full run, for checking a stored run cheaply.
    """
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    log, best = [], {"val_bpc": math.inf, "step": 0, "state_dict": None}
    interval = {"loss": 0.0, "n": 0, "norms": []}
    step, chars, epoch, t0 = 0, 0, 0, time.perf_counter()
    bar = tqdm(total=num_steps, desc="training", disable=not progress, leave=True)

    def evaluate():
        val = bits_per_char(model, val_ids, num_streams=val_streams)
        norms = torch.tensor(interval["norms"] or [0.0])
        record = {
            "step": step,
            "epoch": epoch,
            "chars": chars,
            "seconds": round(time.perf_counter() - t0, 2),
            "lr": opt.param_groups[0]["lr"],
            "train_bpc": interval["loss"] / max(interval["n"], 1) / LN2 if interval["n"] else math.nan,
            "grad_norm_mean": float(norms.mean()),
            "grad_norm_max": float(norms.max()),
            "clipped_fraction": float((norms > clip_grad_norm).float().mean()) if clip_grad_norm else 0.0,
            "val_bpc": val,
        }
        log.append(record)
        interval.update(loss=0.0, n=0, norms=[])
        bar.set_postfix(val_bpc=f"{val:.3f}")
        if val < best["val_bpc"]:
            best.update(
                val_bpc=val, step=step, state_dict={k: v.detach().clone() for k, v in model.state_dict().items()}
            )
            if on_improvement is not None:
                on_improvement(model, record)
        if on_record is not None:
            on_record(record)

    model.train()
    while step < (stop_at or num_steps):
        offset = int(torch.randint(0, seq_len, (1,), generator=gen)) if epoch else 0
        state = None
        for x, y in stream_batches(train_ids, batch_size, seq_len, offset):
            for group in opt.param_groups:
                group["lr"] = _lr_at(step, num_steps, lr, schedule, min_lr)
            state = detach_state(state)
            logits, state = model(x, state)  # (batch_size, seq_len, vocab_size)
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm if clip_grad_norm else math.inf)
            opt.step()
            step += 1
            chars += x.numel()
            interval["loss"] += loss.item()
            interval["n"] += 1
            interval["norms"].append(float(norm))
            bar.update(1)
            if step % eval_every == 0 or step == num_steps or step == stop_at:
                evaluate()
            if step >= (stop_at or num_steps):
                break
        epoch += 1
    bar.close()
    model.eval()
    return {
        "log": log,
        "best_val_bpc": best["val_bpc"],
        "best_step": best["step"],
        "best_state_dict": best["state_dict"],
        "seconds": time.perf_counter() - t0,
        "steps": step,
        "chars": chars,
    }


def _mismatch(what, got, expected, fix):
    return ValueError(
        f"The shipped model does not match the frozen text: {what} (weights: {got}; here: {expected}). {fix}"
    )


def load_shipped(weights=SHIPPED_WEIGHTS, metadata=SHIPPED_METADATA):
    """The shipped character model and its metadata: ``(model, metadata)``, the model in eval mode.

    Loads the ``state_dict`` with ``torch.load(..., weights_only=True)`` and checks the metadata against the frozen
    text (sha256 and vocabulary) and the architecture against the weights; a different torch version only warns.
    """
    rebuild = "Rebuild the weights with `python tools/char_model.py train` (see the metadata's 'command')."
    for path in (weights, metadata):
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing. Restore it from git or rebuild it: {rebuild}")
    meta = json.loads(metadata.read_text(encoding="utf-8"))
    text_sha = text_metadata()["sha256"]
    if meta.get("text_sha256") != text_sha:
        raise _mismatch("text sha256", str(meta.get("text_sha256"))[:12] + "...", text_sha[:12] + "...", rebuild)
    vocab = load_vocabulary()
    if Vocabulary(meta.get("vocabulary", "?")) != vocab:
        raise _mismatch(
            "vocabulary", f"{len(meta.get('vocabulary', ''))} characters", f"{len(vocab)} characters", rebuild
        )
    if meta["architecture"]["vocab_size"] != len(vocab):
        raise _mismatch("vocab_size", meta["architecture"]["vocab_size"], len(vocab), rebuild)
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    if meta.get("weights_sha256") != digest:
        raise ValueError(
            f"{weights.name} does not match the sha256 recorded in {metadata.name} (got {digest[:12]}..., "
            f"expected {str(meta.get('weights_sha256'))[:12]}...): the file was changed or damaged. Restore both files "
            f"from git (git checkout lstm_helpers/data/) or {rebuild[0].lower() + rebuild[1:]}"
        )
    model = build_model(meta["architecture"])
    state_dict = torch.load(weights, map_location="cpu", weights_only=True)
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in state_dict.items()}
    if got != expected:
        diff = sorted(set(got.items()) ^ set(expected.items()))[:4]
        raise ValueError(
            f"The shipped weights do not fit the architecture in {metadata.name} {meta['architecture']}: "
            f"differing tensors {diff}. {rebuild}"
        )
    model.load_state_dict({k: v.float() for k, v in state_dict.items()})
    here = ".".join(torch.__version__.split("+")[0].split(".")[:2])
    there = ".".join(str(meta.get("torch_version", "?")).split("+")[0].split(".")[:2])
    if here != there:
        warnings.warn(
            f"The shipped model was trained with torch {meta.get('torch_version')} and this is torch "
            f"{torch.__version__}: the weights load, but scores may differ slightly from the recorded ones.",
            stacklevel=2,
        )
    return model.eval(), meta


def load_training_log(path=SHIPPED_LOG):
    """The shipped model's training log (one row per evaluation) as a dict of lists of floats, keyed by column."""
    lines = path.read_text(encoding="utf-8").strip().splitlines()
    header = lines[0].split(",")
    columns = {name: [] for name in header}
    for line in lines[1:]:
        for name, value in zip(header, line.split(","), strict=True):
            columns[name].append(float(value))
    return columns


def matched_hidden_size(cell, parameters, vocab_size, embedding_dim=64):
    """The hidden size that gives a ``CharModel`` with ``cell`` the parameter count closest to ``parameters``."""
    gates = {"lstm": 4, "gru": 3, "rnn": 1}[cell]

    def count(h):  # embedding + recurrent layer (two biases per gate) + read-out
        return vocab_size * embedding_dim + gates * h * (embedding_dim + h + 2) + h * vocab_size + vocab_size

    return min(range(1, 4097), key=lambda h: (abs(count(h) - parameters), h))


def compare_cells(
    train_ids,
    val_ids,
    vocab_size,
    cells=("rnn", "gru", "lstm"),
    seeds=(0, 1, 2),
    lstm_hidden_size=128,
    num_steps=150,
    batch_size=16,
    seq_len=50,
    lr=3e-3,
    dropout=0.0,
    progress=True,
):
    """RNN vs GRU vs LSTM at a matched parameter count and the same number of training steps, over seeds.

    Each cell's hidden size is chosen so its model has about as many parameters as the LSTM with
    ``lstm_hidden_size``; every run sees the same characters in the same order (same streams, same steps). Returns one
    record per run: cell, hidden_size, parameters, seed, validation bits/char, training seconds.
    """
    target = sum(p.numel() for p in CharModel(vocab_size, 64, lstm_hidden_size).parameters())
    records = []
    runs = [(cell, seed) for seed in seeds for cell in cells]
    for cell, seed in tqdm(runs, desc="runs", disable=not progress):
        hidden = matched_hidden_size(cell, target, vocab_size)
        torch.manual_seed(seed)
        model = CharModel(vocab_size, 64, hidden, cell=cell, dropout=dropout)
        result = train_char_model(
            model,
            train_ids,
            val_ids,
            num_steps=num_steps,
            batch_size=batch_size,
            seq_len=seq_len,
            lr=lr,
            eval_every=num_steps,
            seed=seed,
            progress=False,
        )
        records.append(
            {
                "cell": cell,
                "hidden_size": hidden,
                "parameters": sum(p.numel() for p in model.parameters()),
                "seed": seed,
                "val_bpc": result["log"][-1]["val_bpc"],
                "seconds": round(result["seconds"], 2),
            }
        )
    return records
