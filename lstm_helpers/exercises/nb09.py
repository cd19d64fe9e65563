"""Graders for notebook 09's exercises (the character-level language model): bits per character, the parallel
streams, a training loop with bugs to find, sampling with a temperature, and the greedy limit.

Introduced in notebook 09 (``09_character_language_model``).
"""

import math

import torch
from torch import nn

from ..char_data import Vocabulary
from ..char_model import CharLSTM, sample, stream_batches
from ._framework import (
    _NOT_ATTEMPTED,
    _run_learner_function,
    as_number,
    compare_number,
    correct,
    exercise,
    is_stub,
    known_number_mistake,
    pass_the_function,
    returned_none,
    undiagnosed,
    wrong,
)


@exercise(
    "09.bits_from_logits",
    "Bits per character from a model's logits",
    hints=(
        "Turn each row of logits into log-probabilities, pick the one of the character that really came next, "
        "and average the costs.",
        "torch.log_softmax(logits, dim=-1) gives natural-log probabilities; index them with "
        "[torch.arange(len(targets)), targets]; nats become bits when divided by math.log(2).",
        "The formula: bits/char = -mean_t log_softmax(logits)[t, targets[t]] / ln 2.",
    ),
    solution="""
import math

import torch

def bits_per_char_from_logits(logits, targets):
    log_probs = torch.log_softmax(logits, dim=-1)  # (num_chars, vocab_size)
    nats = -log_probs[torch.arange(len(targets)), targets].mean()
    return (nats / math.log(2)).item()
""",
    answer="bits_per_char_from_logits",
)
def _grade_bits_from_logits(fn):
    gen = torch.Generator().manual_seed(9)
    logits = torch.randn(13, 6, generator=gen, dtype=torch.float64) * 2  # (num_chars, vocab_size)
    targets = torch.randint(0, 6, (13,), generator=gen)  # (num_chars,)
    got, problem = _run_learner_function(
        fn,
        "09.bits_from_logits",
        "bits_per_char_from_logits",
        (logits, targets),
        "logits is (num_chars, vocab_size) and targets is (num_chars,): one row of scores per character.",
    )
    if problem:
        return problem
    if isinstance(got, torch.Tensor) and got.shape == (len(targets), len(targets)):
        return wrong(
            "You returned a num_chars × num_chars table: log_probs[:, targets] takes every target's column for every "
            "row, not row t's own target.",
            "Pair row t with targets[t]: index with two sequences of the same length, one for the rows, one for the "
            "columns.",
        )
    number = as_number(got)
    if number is None:
        return wrong(
            f"bits_per_char_from_logits(...) returned {type(got).__name__}, not one number.",
            "Average over the characters so that one number comes out (.mean(), then .item()).",
        )
    rows = torch.arange(len(targets))
    log_probs = torch.log_softmax(logits, dim=-1)
    nats = -log_probs[rows, targets]  # (num_chars,)
    expected = (nats.mean() / math.log(2)).item()
    mistakes = [
        (
            nats.mean().item(),
            "That is the cross-entropy in nats (natural logarithm).",
            "Convert nats to bits: divide by math.log(2).",
        ),
        (
            (nats.sum() / math.log(2)).item(),
            "That is the total over all characters, not the average per character.",
            "Divide by the number of characters (or use .mean()).",
        ),
        (-expected, "The sign is flipped: the log of a probability is negative.", "The cost is -log p, positive."),
        (2**expected, "That is the perplexity (2 to the power of the bits).", "Stop one step earlier."),
        (
            (-logits[rows, targets]).mean().item() / math.log(2),
            "You used the raw logits as log-probabilities.",
            "Logits are unnormalised: apply log_softmax over the characters first.",
        ),
        (
            -torch.log_softmax(logits, dim=0)[rows, targets].mean().item() / math.log(2),
            "You normalised over the positions (dim=0), so each column sums to 1 instead of each row: these are not "
            "next-character probabilities.",
            "The vocabulary is the last dimension of logits: normalise along it (dim=-1 or dim=1).",
        ),
        (
            -log_probs[:, targets].mean().item() / math.log(2),
            "You averaged log_probs[:, targets]: every row scored with every target, not row t with its own target.",
            "Pair row t with targets[t]: index with torch.arange(len(targets)) for the rows and targets for the "
            "columns.",
        ),
        (
            -log_probs.mean().item() / math.log(2),
            "You averaged the log-probabilities of every character, not only of the one that came next.",
            "For each row keep one entry: the log-probability of that row's target.",
        ),
    ]
    mistake = known_number_mistake(number, mistakes, rel_tol=1e-6)
    if mistake:
        return mistake
    if math.isclose(number, expected, rel_tol=1e-6):
        return correct("Average surprise in bits: the score of every model in this notebook.")
    return undiagnosed(
        "Not the average bits per character yet.",
        "Check each step on a tiny example: log-probabilities along the vocabulary dimension, one entry per row (that "
        "row's target), minus the mean, then nats to bits.",
    )


@exercise(
    "09.hot_limit",
    "Predict: a very high temperature",
    hints=(
        "As T grows, logits / T shrinks towards 0 for every character. What does softmax do with equal scores?",
        "Equal scores give equal probabilities. Perplexity counts how many equally likely choices that is.",
        "Softmax of equal scores is uniform over the whole vocabulary, so the perplexity is the vocabulary size.",
    ),
    solution="""
from lstm_helpers.char_data import load_vocabulary

answer = len(load_vocabulary())  # T -> infinity: every character equally likely, perplexity = vocabulary size
""",
)
def _grade_hot_limit(answer):
    number = as_number(answer)
    if number is None:
        return compare_number(answer, 103, "your perplexity")
    if math.isclose(number, math.log2(103), rel_tol=1e-3):
        return wrong("That is the uniform model in bits per character.", "Perplexity is 2 to the power of the bits.")
    if math.isclose(number, 1):
        return wrong(
            "A perplexity of 1 is the other limit, T -> 0: one certain character.",
            "A very high temperature flattens the distribution instead.",
        )
    if number == 0:
        return wrong(
            "Perplexity is never below 1: at least one character is possible.", "Think of a flat distribution."
        )
    if math.isclose(number, 103):
        return correct("Dividing by a huge T makes every logit about 0: all 103 characters equally likely, noise.")
    return wrong(f"{number:g} is not the limit.", "Take T to infinity in softmax(logits / T) and count the choices.")


def _tiny_model():
    vocab = Vocabulary("abcdefgh \n")
    torch.manual_seed(909)
    model = CharLSTM(len(vocab), embedding_dim=8, hidden_size=16, dropout=0.0)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(4)  # larger weights: clear winners, no near-ties
    return model.eval(), vocab


class _NearTies(nn.Module):
    """A tiny character model whose runner-up character is always 0.005 below the winner: argmax still has one
    answer, but a sampler at a low temperature (0.01) picks the runner-up about 4 times in 10."""

    def __init__(self):
        super().__init__()
        self.inner, _ = _tiny_model()

    def forward(self, x, state=None):
        logits, state = self.inner(x, state)  # (batch, seq_len, vocab_size)
        top2 = logits.topk(2, dim=-1).indices  # (batch, seq_len, 2)
        best = logits.gather(-1, top2[..., :1])
        return logits.scatter(-1, top2[..., 1:], best - 0.005), state


@torch.no_grad()
def _greedy_without_state(model, vocab, prompt, num_chars):
    """The greedy continuation of a loop that forgets the state: every step sees only the last character."""
    ids, new = vocab.encode(prompt).unsqueeze(0), []  # (1, prompt_len)
    for _ in range(num_chars):
        logits, _ = model(ids)  # (1, seq_len, vocab_size)
        new.append(int(logits[0, -1].argmax()))
        ids = torch.tensor([[new[-1]]])
    return vocab.decode(new)


@exercise(
    "09.greedy",
    "Temperature 0: greedy continuation",
    hints=(
        "As T goes to 0, softmax(logits / T) puts all its probability on one character. Which one?",
        "Feed the prompt, take the argmax of the last position's logits, append it, and feed that character back "
        "with the state, num_chars times.",
        "Loop: logits, state = model(ids, state); nxt = int(logits[0, -1].argmax()); ids = torch.tensor([[nxt]]). "
        "Return vocab.decode(list_of_new_ids).",
    ),
    solution="""
import torch

def greedy_continuation(model, vocab, prompt, num_chars):
    ids = vocab.encode(prompt).unsqueeze(0)  # (1, prompt_len)
    state, new = None, []
    with torch.no_grad():
        for _ in range(num_chars):
            logits, state = model(ids, state)  # (1, seq_len, vocab_size)
            nxt = int(logits[0, -1].argmax())
            new.append(nxt)
            ids = torch.tensor([[nxt]])
    return vocab.decode(new)
""",
    answer="greedy_continuation",
)
def _grade_greedy(fn):
    if not callable(fn):
        return pass_the_function(fn, "09.greedy")
    model, (_, vocab) = _NearTies().eval(), _tiny_model()
    prompt, num_chars = "bad cab", 30
    runs = []
    for seed in (1, 2):  # determinism is checked every time, under two different global random states
        torch.manual_seed(seed)
        runs.append(fn(model, vocab, prompt, num_chars))
    got = runs[0]
    if got is ... or (got is None and is_stub(fn)):
        return _NOT_ATTEMPTED
    if got is None:
        return returned_none("greedy_continuation(...)")
    if not isinstance(got, str):
        return wrong(
            f"greedy_continuation(...) returned {type(got).__name__}, not text.",
            "Turn the ids into a string with vocab.decode(ids).",
        )
    expected = sample(model, vocab, prompt, num_chars, temperature=0)
    if runs[1] != got:
        return wrong(
            "Two calls gave different text: your continuation is random (even a very low temperature still draws, "
            "and a close runner-up is sometimes drawn).",
            "At temperature 0 nothing is drawn: take the argmax.",
        )
    if got == expected:
        return correct("Temperature 0 always takes the most likely character: deterministic, and often a loop.")
    if got == prompt + expected:
        return wrong("You returned the prompt as well.", "Return only the new characters.")
    if len(got) != num_chars:
        return wrong(
            f"Expected {num_chars} new characters, got {len(got)}.", "Loop num_chars times, one character each."
        )
    first = next(i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b)
    if got == _greedy_without_state(model, vocab, prompt, num_chars):
        return wrong(
            f"Your characters agree up to position {first}, then yours differs: each step sees only the last "
            "character, not the state that holds the text before it.",
            "Feed the chosen character back together with the state from the previous step (or the whole text so far).",
        )
    if all(ch in vocab for ch in got[: first + 1]):
        with torch.no_grad():
            logits, _ = model(vocab.encode(prompt + got[:first]).unsqueeze(0))  # (1, len, vocab_size)
        if vocab.index[got[first]] == int(logits[0, -1].topk(2).indices[1]):
            return wrong(
                f"Your characters agree up to position {first}; there yours is the runner-up, not the most likely "
                "character: your code draws (with a fixed seed, so it repeats), and the runner-up was close.",
                "At temperature 0 nothing is drawn: take the argmax.",
            )
    return undiagnosed(
        f"Your characters agree up to position {first}, then yours differs.",
        "Feed the chosen character back together with the state from the previous step (or the whole text so far).",
    )


# --- the parallel streams ---------------------------------------------------------------------------------------

_STREAM_CASES = ((203, 4, 10), (1000, 3, 7))  # (num_chars, batch_size, seq_len): 5 and 47 chunks


def _chunks_of(result):
    """The learner's chunks as a list of ``(x, y)`` pairs, or a message saying why they are not."""
    if isinstance(result, torch.Tensor) or not hasattr(result, "__iter__"):
        return None, f"make_streams(...) returned {type(result).__name__}, not a list of (x, y) chunks."
    chunks = list(result)
    if not chunks:
        return None, "make_streams(...) returned no chunks at all."
    for pair in chunks:
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(isinstance(t, torch.Tensor) for t in pair)):
            return None, f"Each chunk should be a pair (x, y) of tensors, but one is {type(pair).__name__}."
    return chunks, None


def _streams_feedback(chunks, batch_size, seq_len, num_chars):
    """Feedback on chunks made from ``ids = torch.arange(num_chars)`` (each id names its position in the text)."""
    shape = (batch_size, seq_len)
    for x, y in chunks:
        if tuple(x.shape) == shape[::-1]:
            return wrong(
                f"A chunk has shape {tuple(x.shape)}: rows and columns are swapped.",
                "Each chunk is (batch_size, seq_len): one row per stream, seq_len characters along it.",
            )
        if tuple(x.shape) != shape or tuple(y.shape) != shape:
            return wrong(
                f"A chunk has shapes x {tuple(x.shape)}, y {tuple(y.shape)}; each should be (batch_size, seq_len).",
                "Cut seq_len columns at a time out of a (batch_size, stream_len) table.",
            )
    x0, y0 = chunks[0]
    if torch.equal(y0, x0):
        return wrong("The targets y equal the inputs x.", "The target of each character is the character after it.")
    if torch.equal(y0, x0 - 1):
        return wrong(
            "Your targets are the characters BEFORE the inputs: shifted the wrong way.",
            "y is the text one character later than x.",
        )
    if not all(torch.equal(y, x + 1) for x, y in chunks):
        return wrong(
            "The targets y are not the inputs shifted by one character (y[b, t] must be the character after x[b, t]).",
            "Build y from the same table as x, but starting one character later in the text.",
        )
    steps = torch.cat([x.diff(dim=1) for x, _ in chunks], dim=1)  # (batch_size, ...): 1 where a row is contiguous
    if seq_len > 1 and (steps == batch_size).all():
        return wrong(
            f"Each row takes one character in every {batch_size} of the text, not a contiguous piece: the table was "
            "filled column by column.",
            "Reshape the text so that each ROW is one contiguous stream: view(batch_size, stream_len), not "
            "view(stream_len, batch_size) followed by a transpose.",
        )
    if not (steps == 1).all():
        return wrong(
            "Inside a chunk, row b is not a contiguous piece of the text.",
            "Row b of the table should be characters b * stream_len to (b + 1) * stream_len - 1.",
        )
    for (x, _), (x_next, _) in zip(chunks, chunks[1:], strict=False):
        if torch.equal(x_next[:, 0], x[:, -1] + 1):
            continue
        if batch_size > 1 and torch.equal(x[1:, 0], x[:-1, -1] + 1):
            return wrong(
                "Row b + 1 continues row b inside one chunk, so row b of the next chunk does not continue row b: "
                "you cut the text into consecutive windows and stacked them. The state carried along row b would "
                "jump to unrelated text at every chunk.",
                "First cut the text into batch_size long streams (the rows), then walk along all of them together, "
                "seq_len columns at a time.",
            )
        if torch.equal(x_next[:, 0], x[:, 0] + 1):
            return wrong(
                "Consecutive chunks overlap: the next chunk starts one character after the previous one started.",
                "Move seq_len characters from one chunk to the next.",
            )
        return wrong(
            "Row b of chunk k + 1 does not continue row b of chunk k: the state carried from one chunk to the next "
            "would not belong to the text that follows.",
            "Chunk k is columns k * seq_len to (k + 1) * seq_len - 1 of one (batch_size, stream_len) table.",
        )
    inputs = torch.cat([x.flatten() for x, _ in chunks])
    if len(inputs.unique()) != len(inputs):
        return wrong("Some characters are inputs in two streams: the streams overlap.", "Each stream is its own part.")
    stream_len = (num_chars - 1) // batch_size
    if len(chunks) < stream_len // seq_len:
        return wrong(
            f"You made {len(chunks)} chunks, but this text has room for more: characters are left out.",
            "Use the whole stream length: stream_len = (len(ids) - 1) // batch_size, then every whole chunk of it.",
        )
    return None


@exercise(
    "09.make_streams",
    "Parallel streams: chunk k + 1 continues chunk k",
    hints=(
        "Picture a table with batch_size rows: row b is one long contiguous piece of the text. A chunk is a few "
        "columns of that table, and the next chunk is the next columns.",
        "stream_len = (len(ids) - 1) // batch_size (one character is kept for the last target); "
        "x_all = ids[:batch_size * stream_len].view(batch_size, stream_len); y_all is the same from ids[1:].",
        "for start in range(0, stream_len - seq_len + 1, seq_len): append (x_all[:, start:start + seq_len], "
        "y_all[:, start:start + seq_len]).",
    ),
    solution="""
def make_streams(ids, batch_size, seq_len):
    stream_len = (len(ids) - 1) // batch_size  # one character is kept back as the last target
    x_all = ids[: batch_size * stream_len].view(batch_size, stream_len)  # (batch_size, stream_len)
    y_all = ids[1 : batch_size * stream_len + 1].view(batch_size, stream_len)  # the text one character later
    chunks = []
    for start in range(0, stream_len - seq_len + 1, seq_len):
        chunks.append((x_all[:, start : start + seq_len], y_all[:, start : start + seq_len]))
    return chunks
""",
    answer="make_streams",
)
def _grade_make_streams(fn):
    for num_chars, batch_size, seq_len in _STREAM_CASES:
        result, problem = _run_learner_function(
            fn,
            "09.make_streams",
            "make_streams",
            (torch.arange(num_chars), batch_size, seq_len),
            "ids is 1-D (num_chars,); each chunk's x and y are (batch_size, seq_len).",
        )
        if problem:
            return problem
        chunks, message = _chunks_of(result)
        if message:
            return wrong(message, "Return a list of (x, y) pairs, one per chunk, each tensor (batch_size, seq_len).")
        feedback = _streams_feedback(chunks, batch_size, seq_len, num_chars)
        if feedback is not None:
            return feedback
    return correct(
        "Row b of every chunk continues row b of the chunk before: the state carried along row b always belongs to "
        "the text that follows."
    )


# --- find the bugs in a training loop ---------------------------------------------------------------------------


class _StateSpy(nn.Module):
    """A tiny character model that records, at every call, where its chunk starts and what state it was given."""

    def __init__(self, ids):
        super().__init__()
        torch.manual_seed(919)
        self.inner = CharLSTM(10, embedding_dim=8, hidden_size=12, dropout=0.0)
        self.position = {tuple(ids[i : i + 8].tolist()): i for i in range(len(ids) - 7)}  # 8 ids name a position
        self.calls, self.last_out = [], None

    def forward(self, x, state=None):
        call = {"start": self.position.get(tuple(x[0, :8].tolist()), -1), "state": "none"}
        if state is not None:
            parts = tuple(state) if isinstance(state, (tuple, list)) else (state,)
            if any(p.grad_fn is not None for p in parts):
                call["state"] = "graph"
            elif all(float(p.abs().max()) == 0 for p in parts):
                call["state"] = "zero"
            elif self.last_out is not None and all(
                torch.equal(p.detach(), q) for p, q in zip(parts, self.last_out, strict=False)
            ):
                call["state"] = "carried"
            else:
                call["state"] = "other"
        logits, out = self.inner(x, state)  # (batch, seq_len, vocab_size)
        self.last_out = tuple(s.detach().clone() for s in out)
        self.calls.append(call)
        return logits, out


def _loop_feedback(calls, num_epochs, chunks_per_epoch):
    """Feedback on the states a training loop passed to the model (``_StateSpy.calls``), or None if all is right."""
    if any(c["state"] == "graph" for c in calls):
        return wrong(
            "The state passed to the next chunk still carries its graph: it is not detached (retain_graph=True only "
            "hides that, while every backward pass walks through all the chunks so far).",
            "Detach h and c before feeding them to the next chunk: keep their values, drop their history.",
        )
    if len(calls) != num_epochs * chunks_per_epoch:
        return wrong(
            f"The model ran on {len(calls)} chunks; {num_epochs} epochs of this text have "
            f"{num_epochs * chunks_per_epoch}.",
            "Keep the two loops as they were: one over epochs, one over the chunks of stream_batches.",
        )
    for k, call in enumerate(calls):
        new_epoch = k == 0 or call["start"] < calls[k - 1]["start"]
        if new_epoch and call["state"] == "carried":
            return wrong(
                "The state is carried across epochs: the first chunk of epoch 2 starts from the state left at the END "
                "of each stream, but row b starts again at the beginning of stream b, so that state belongs to other "
                "text.",
                "Reset the state (state = None) at the start of every epoch, inside the epoch loop.",
            )
        if not new_epoch and call["state"] in ("none", "zero"):
            return wrong(
                "The state is reset at every chunk: the model never sees the context of the chunk before, so the "
                "streams are no better than independent windows.",
                "Reset only when an epoch starts; inside an epoch carry the (detached) state from chunk to chunk.",
            )
        if call["state"] == "other":
            return wrong(
                "The state passed to a chunk is not the one the model returned for the chunk before.",
                "Pass on exactly the state the model returned (detached), unchanged.",
            )
    return None


@exercise(
    "09.find_the_bugs",
    "Find the two bugs in a training loop",
    hints=(
        "Run the loop first: one bug stops it with an error on the second chunk. The other is silent: think about "
        "where each row is in the text when a new epoch starts.",
        "Bug 1: the state from the previous chunk still holds its graph (see 'Why the state is detached'). Bug 2: "
        "`state = None` sits outside the epoch loop.",
        "Inside the chunk loop, before the model call: `if state is not None: state = tuple(s.detach() for s in "
        "state)`; and move `state = None` to the first line inside `for epoch in range(num_epochs):`.",
    ),
    solution="""
import torch
from torch import nn

from lstm_helpers.char_model import stream_batches

def train_epochs(model, ids, num_epochs, batch_size, seq_len, lr=3e-3):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(num_epochs):
        state = None  # every epoch starts each stream from its beginning, so from a zero state
        for x, y in stream_batches(ids, batch_size, seq_len):
            if state is not None:
                state = tuple(s.detach() for s in state)  # keep h and c, forget how they were computed
            logits, state = model(x, state)  # (batch_size, seq_len, vocab_size)
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model
""",
    answer="train_epochs",
)
def _grade_find_the_bugs(fn):
    if not callable(fn):
        return pass_the_function(fn, "09.find_the_bugs")
    gen = torch.Generator().manual_seed(17)
    ids = torch.randint(0, 10, (4 * 10 * 3 + 1,), generator=gen)  # 4 streams of 30: 3 chunks of 10 per epoch
    num_epochs, batch_size, seq_len = 3, 4, 10
    spy = _StateSpy(ids)
    before = [p.detach().clone() for p in spy.parameters()]
    try:
        result = fn(spy, ids.clone(), num_epochs, batch_size, seq_len)
    except RuntimeError as exc:
        if "modified by an inplace operation" in str(exc):
            return wrong(
                "Backward went back through an earlier chunk's graph (kept alive by retain_graph=True), whose weights "
                "optimizer.step() has changed since: the state carried between chunks is not detached.",
                "Detach h and c before feeding them to the next chunk, and drop retain_graph.",
            )
        if "backward through the graph a second time" not in str(exc):
            raise
        return wrong(
            "The loop fails on the second chunk: the state carried in from chunk 1 is not detached, so backward "
            "tries to go through chunk 1's graph again, and PyTorch has already freed it.",
            "Detach h and c before feeding them to the next chunk: keep their values, drop their history.",
        )
    if result is None and is_stub(fn):
        return _NOT_ATTEMPTED
    chunks_per_epoch = len(list(stream_batches(ids, batch_size, seq_len)))
    feedback = _loop_feedback(spy.calls, num_epochs, chunks_per_epoch)
    if feedback is not None:
        return feedback
    if all(torch.equal(p, q) for p, q in zip(spy.parameters(), before, strict=True)):
        return wrong("The weights did not change.", "Keep optimizer.step() after loss.backward() in every chunk.")
    return correct(
        "Both bugs fixed: the state is detached between chunks (truncated BPTT) and reset when a new epoch starts "
        "the streams again."
    )


# --- sampling with a temperature --------------------------------------------------------------------------------

_LOGITS = torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0, -3.0])  # (vocab_size,) a made-up next-character score vector
_DRAWS = 2000


def _draw_index(fn, logits, temperature, generator):
    """The learner's draw as an int, or a Feedback saying why it is not one."""
    got = fn(logits.clone(), temperature, generator)
    if got is None or got is ...:
        return _NOT_ATTEMPTED if is_stub(fn) or got is ... else returned_none("sample_with_temperature(...)")
    if isinstance(got, torch.Tensor) and got.numel() == len(logits):
        return wrong(
            "You returned a whole vector (probabilities?), not one character id.",
            "Draw one id from the probabilities with torch.multinomial(probs, 1, generator=generator).",
        )
    number = as_number(got)
    if number is None or not float(number).is_integer() or not 0 <= number < len(logits):
        return wrong(
            f"sample_with_temperature(...) returned {got!r}; expected one character id (a whole number from 0 to "
            f"{len(logits) - 1}).",
            "Return int(torch.multinomial(probs, 1, generator=generator)).",
        )
    return int(number)


def _frequencies(fn, temperature, seed=0):
    gen = torch.Generator().manual_seed(seed)
    counts = torch.zeros(len(_LOGITS))
    for _ in range(_DRAWS):
        index = _draw_index(fn, _LOGITS, temperature, gen)
        if not isinstance(index, int):
            return index
        counts[index] += 1
    return counts / _DRAWS


def _distance(freq, p):
    return 0.5 * float((freq - p).abs().sum())  # total variation: 0 for equal distributions, 1 for disjoint ones


@exercise(
    "09.sample_with_temperature",
    "Draw the next character at a temperature",
    hints=(
        "Divide the scores by the temperature, turn them into probabilities, and draw one index with the generator "
        "you are given. Temperature 0 needs its own case.",
        "torch.softmax(logits / temperature, dim=-1) gives the probabilities; torch.multinomial(probs, 1, "
        "generator=generator) draws one index. At temperature 0 return the argmax instead (dividing by 0 fails).",
        "if temperature == 0: return int(logits.argmax()); probs = torch.softmax(logits / temperature, dim=-1); "
        "return int(torch.multinomial(probs, 1, generator=generator)).",
    ),
    solution="""
import torch

def sample_with_temperature(logits, temperature, generator):
    if temperature == 0:
        return int(logits.argmax())  # the limit T -> 0: always the most likely character
    probs = torch.softmax(logits / temperature, dim=-1)  # (vocab_size,)
    return int(torch.multinomial(probs, 1, generator=generator))
""",
    answer="sample_with_temperature",
)
def _grade_sample_with_temperature(fn):
    if not callable(fn):
        return pass_the_function(fn, "09.sample_with_temperature")
    runs = []
    for global_seed in (1, 2):  # the same generator under two global random states must give the same draws
        torch.manual_seed(global_seed)
        gen = torch.Generator().manual_seed(5)
        runs.append([_draw_index(fn, _LOGITS, 1.0, gen) for _ in range(50)])
    feedback = next((d for d in runs[0] if not isinstance(d, int)), None)
    if feedback is not None:
        return feedback
    if runs[0] != runs[1]:
        return wrong(
            "With the same generator your draws differ between runs: your code ignores the generator it is given.",
            "Pass generator=generator to torch.multinomial, so a fixed seed gives the same text every time.",
        )
    if len(set(runs[0])) == 1:
        return wrong(
            "At temperature 1 every draw is the same character: your code does not sample.",
            "Draw from the probabilities with torch.multinomial instead of taking the argmax.",
        )
    for temperature in (0.5, 1.0, 2.0, 1000.0):
        freq = _frequencies(fn, temperature)
        if not isinstance(freq, torch.Tensor):
            return freq
        expected = torch.softmax(_LOGITS / temperature, dim=-1)
        if _distance(freq, expected) < 0.05:
            continue
        if temperature != 1.0 and _distance(freq, torch.softmax(_LOGITS, dim=-1)) < 0.05:
            return wrong(
                f"At temperature {temperature:g} your draws follow the temperature-1 distribution: the temperature "
                "is ignored.",
                "Divide the logits by the temperature before the softmax.",
            )
        if _distance(freq, torch.softmax(_LOGITS * temperature, dim=-1)) < 0.05:
            return wrong(
                "You multiplied the logits by the temperature: high temperatures then sharpen the distribution "
                "instead of flattening it.",
                "Divide the logits by the temperature.",
            )
        if temperature == 1000.0:
            return wrong(
                "At a very high temperature your draws are not close to uniform over all the characters.",
                "softmax(logits / T) with a huge T gives every character about the same probability.",
            )
        return undiagnosed(
            f"At temperature {temperature:g} the draws do not follow softmax(logits / T) ({_DRAWS} draws checked).",
            "Draw from the probabilities themselves: torch.softmax(logits / temperature, dim=-1), not the logits or "
            "their log.",
        )
    for temperature in (0, 1e-3):
        gen = torch.Generator().manual_seed(0)
        try:
            picks = {_draw_index(fn, _LOGITS, temperature, gen) for _ in range(20)}
        except (RuntimeError, ZeroDivisionError) as exc:
            if temperature == 0:
                return wrong(
                    f"At temperature 0 your code fails ({type(exc).__name__}): dividing by 0 gives inf and nan.",
                    "Treat temperature 0 as its own case: the limit T -> 0 always takes the most likely character.",
                )
            return wrong(
                f"At temperature {temperature:g} your code fails ({type(exc).__name__}): exp(logits / T) overflows.",
                "Let torch.softmax do it: it subtracts the largest score before exponentiating.",
            )
        feedback = next((p for p in picks if not isinstance(p, int)), None)
        if feedback is not None:
            return feedback
        if picks != {int(_LOGITS.argmax())}:
            return wrong(
                f"At temperature {temperature:g} your draws are not all the most likely character; as T -> 0 every "
                "draw should be.",
                "At T = 0 take the argmax; for small T, softmax(logits / T) already puts nearly all the probability "
                "on one character.",
            )
    return correct(
        "Your draws follow softmax(logits / T) at every temperature tried: the most likely character as T -> 0, "
        "nearly uniform at T = 1000, and the same draws for the same generator."
    )
