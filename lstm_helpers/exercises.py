"""Self-checking exercises: ``check("03.output_gate", my_answer)`` prints friendly feedback, never a traceback.

Every notebook's exercises are graded here (one module for the whole course). A grader receives the learner's
answer and returns a ``Feedback``; ``check`` prints it. Answers left as ``...`` (or functions that still raise
``NotImplementedError``) are reported as "not attempted yet". Introduced in notebook 00 (``00_start_here``).
"""

import math
import numbers
import traceback
from dataclasses import dataclass

import torch

__all__ = [
    "Feedback",
    "check",
    "grade",
    "list_exercises",
    "compare_tensors",
    "compare_number",
    "as_number",
    "call_for_number",
    "pass_the_function",
]


@dataclass(frozen=True)
class Feedback:
    """The result of grading one answer: ``status`` is "correct", "wrong" or "not attempted"."""

    status: str
    message: str
    hint: str = ""

    @property
    def correct(self):
        return self.status == "correct"

    def __str__(self):
        mark = {"correct": "✓ Correct!", "wrong": "✗ Not yet.", "not attempted": "… Not attempted yet."}[self.status]
        text = f"{mark} {self.message}"
        if self.hint:
            text += f"\n  Hint: {self.hint}"
        return text


def correct(message):
    """A passing ``Feedback`` with a short explanation."""
    return Feedback("correct", message)


def wrong(message, hint=""):
    """A failing ``Feedback`` that says what is wrong and hints at a fix."""
    return Feedback("wrong", message, hint)


_NOT_ATTEMPTED = Feedback("not attempted", "Replace the ... with your answer, run the cell, then run this check again.")


class _Exercise:
    def __init__(self, key, title, grader):
        self.key, self.title, self.grader = key, title, grader


_REGISTRY = {}


def exercise(key, title):
    """Register a grader function ``answer -> Feedback`` under ``key`` (e.g. ``"03.output_gate"``)."""

    def register(grader):
        if key in _REGISTRY:
            raise ValueError(f"Exercise {key!r} is registered twice.")
        _REGISTRY[key] = _Exercise(key, title, grader)
        return grader

    return register


def list_exercises(notebook=None):
    """The registered exercise keys, optionally only those of one notebook number such as ``"03"``."""
    return [key for key in _REGISTRY if notebook is None or key.split(".")[0] == str(notebook)]


def _learner_error(exc):
    """Describe an exception raised by the learner's own code in one friendly paragraph."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "lstm_helpers" not in (f.filename or "")]
    where = f" (in your code: `{frames[-1].line}`)" if frames and frames[-1].line else ""
    return wrong(
        f"Your code raised {type(exc).__name__}: {exc}{where}.",
        "Read the message, fix that line, re-run your cell, then this check.",
    )


def grade(key, answer):
    """Grade ``answer`` for exercise ``key`` and return a ``Feedback`` (never raises for an ordinary wrong answer)."""
    if key not in _REGISTRY:
        known = ", ".join(_REGISTRY) or "none yet"
        return wrong(f"There is no exercise called {key!r}.", f"Known exercises: {known}.")
    if answer is ... or answer is None:
        return _NOT_ATTEMPTED
    try:
        return _REGISTRY[key].grader(answer)
    except NotImplementedError:
        return _NOT_ATTEMPTED
    except Exception as exc:  # the learner's code failed: explain instead of showing a traceback
        return _learner_error(exc)


def check(key, answer):
    """Grade ``answer`` for exercise ``key`` and print the feedback."""
    print(grade(key, answer))


def as_number(got):
    """``got`` as a plain real number (a one-element tensor counts), or ``None`` if it is not one."""
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        return None
    return got


def call_for_number(fn, args, hint):
    """Call the learner's ``fn(*args)`` and return its result as a number, or a ``Feedback`` saying why it is not.

    A placeholder result (``...`` or ``None``) means the exercise is not attempted yet.
    """
    answer = fn(*args)
    if answer is None or answer is ...:
        raise NotImplementedError
    got = as_number(answer)
    if got is None:
        call = f"{getattr(fn, '__name__', 'your function')}({', '.join(map(repr, args))})"
        return wrong(f"{call} returned {type(answer).__name__}, not a number.", hint)
    return got


def pass_the_function(answer, key):
    """Feedback for a learner who passed a result (e.g. ``f(2)``) where the function itself was wanted."""
    return wrong(
        f"Pass your function itself, not its result (got {type(answer).__name__}).",
        f"Write check({key!r}, name_of_your_function), without parentheses after the function name.",
    )


def compare_number(got, expected, name="your answer", rel_tol=1e-6, abs_tol=1e-9):
    """Feedback for a numeric answer, spotting a wrong type and answers off by a simple factor."""
    if as_number(got) is None:
        return wrong(f"{name} should be a number, but it is {type(got).__name__} ({got!r}).", "Write a plain number.")
    got = as_number(got)
    if math.isclose(got, expected, rel_tol=rel_tol, abs_tol=abs_tol):
        return correct(f"{name} = {got:g}.")
    if expected != 0 and got != 0:
        ratio = got / expected
        for factor in (2, 3, 4, 0.5, 0.25, 1 / 3):
            if math.isclose(ratio, factor, rel_tol=1e-3):
                return wrong(
                    f"{name} = {got:g} is off by a factor of {ratio:g}.",
                    "Check what you counted more than once, or left out.",
                )
    return wrong(f"{name} = {got:g} is not right yet.", "Recompute it step by step.")


def compare_tensors(got, expected, name="your result", atol=1e-5, rtol=1e-4):
    """Feedback for a tensor answer: wrong type, wrong shape, off by a factor, or wrong values."""
    if not isinstance(got, torch.Tensor):
        return wrong(f"{name} should be a torch.Tensor, but it is {type(got).__name__}.", "Return a tensor.")
    if got.shape != expected.shape:
        return wrong(
            f"{name} has shape {tuple(got.shape)}, but expected {tuple(expected.shape)}.",
            "Check which dimension you concatenated or multiplied along, and any transposes.",
        )
    got = got.detach().to(expected.dtype)
    if torch.allclose(got, expected, atol=atol, rtol=rtol):
        return correct(f"{name} matches the reference.")
    if not torch.isfinite(got).all():
        return wrong(f"{name} contains NaN or inf.", "Look for a division by zero or an exp that overflows.")
    mask = expected.abs() > 1e-6
    if mask.any():
        ratio = got[mask] / expected[mask]
        first = ratio.flatten()[0].item()
        if torch.allclose(ratio, torch.full_like(ratio, first), rtol=1e-3) and not math.isclose(first, 1):
            return wrong(f"{name} is off by a factor of {first:.3g}.", "Look for a missing or extra multiplication.")
    worst = (got - expected).abs().max().item()
    return wrong(
        f"{name} has the right shape but different values (largest difference {worst:.3g}).",
        "Compare each term with the equation.",
    )


# --- Notebook 00 -------------------------------------------------------------------------------------------------


@exercise("00.warm_up", "Add two numbers")
def _grade_warm_up(answer):
    return compare_number(answer, 5, "2 + 3")


# --- Notebook 01 -------------------------------------------------------------------------------------------------


def _is_placeholder(value):
    return value is None or value is ...


def _unfinished(result):
    """True when a learner's answer is still its placeholder: None, ..., or a tuple of only those."""
    if isinstance(result, tuple) and result:
        return all(_is_placeholder(part) for part in result)
    return _is_placeholder(result)


def _run_learner_function(fn, key, fn_name, args, shape_hint):
    """Call the learner's function ``fn_name`` on copies of ``args``; return ``(result, feedback)``.

    ``feedback`` is None when there is a result to grade; otherwise it says what went wrong: not a function,
    a shape error (explained with ``shape_hint``), or a placeholder result (not attempted).
    """
    if not callable(fn):
        return None, pass_the_function(fn, key)
    try:
        result = fn(*(arg.clone() for arg in args))
    except RuntimeError as exc:
        if "size" not in str(exc) and "shape" not in str(exc):
            raise
        return None, wrong(_learner_error(exc).message + " The shapes do not fit together.", shape_hint)
    return result, (_NOT_ATTEMPTED if _unfinished(result) else None)


def _close(got, expected):
    return isinstance(got, torch.Tensor) and got.shape == expected.shape and torch.allclose(
        got.detach().to(expected.dtype), expected, atol=1e-5, rtol=1e-4
    )


def _diagnose(got, expected, mistakes, name):
    """Feedback for a wrong tensor: the first ``(value, message, hint)`` in ``mistakes`` that ``got`` matches."""
    for value, message, hint in mistakes:
        if _close(got, value):
            return wrong(message, hint)
    return compare_tensors(got, expected, name)


def _grade_count(answer, expected, known_mistakes, hint, name):
    """Feedback for a counted number: a specific message for a known wrong count, else ``compare_number``."""
    number = _whole_number(answer)
    if number in known_mistakes:
        return wrong(known_mistakes[number], hint)
    return compare_number(answer, expected, name)


def _whole_number(answer):
    """``answer`` as an int when it is a whole number (int, integral float or 1-element tensor), else None."""
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not float(answer).is_integer():
        return None
    return int(answer)


@exercise("01.rnn_step", "Write the RNN step with PyTorch's two weight matrices")
def _grade_rnn_step(my_rnn_step):
    gen = torch.Generator().manual_seed(1)
    input_size, hidden_size = 2, 4
    x_t = torch.randn(input_size, generator=gen)  # (input_size,)
    h_prev = torch.randn(hidden_size, generator=gen) * 0.5  # (hidden_size,)
    W_xh = torch.randn(hidden_size, input_size, generator=gen) * 0.5  # (hidden_size, input_size)
    W_hh = torch.randn(hidden_size, hidden_size, generator=gen) * 0.5  # (hidden_size, hidden_size)
    b = torch.randn(hidden_size, generator=gen) * 0.5  # (hidden_size,)
    got, problem = _run_learner_function(
        my_rnn_step,
        "01.rnn_step",
        "rnn_step_split",
        (x_t, h_prev, W_xh, W_hh, b),
        "W_xh is (hidden_size, input_size) and multiplies x_t; W_hh is (hidden_size, hidden_size) and multiplies "
        "h_prev. Check which matrix goes with which vector, and any transposes.",
    )
    if problem:
        return problem
    pre = W_xh @ x_t + W_hh @ h_prev + b  # (hidden_size,)
    expected = torch.tanh(pre)
    mistakes = [
        (pre, "Your h_t equals W_xh·x_t + W_hh·h_{t-1} + b without the tanh.", "Wrap the sum in torch.tanh(...)."),
        (
            torch.sigmoid(pre),
            "You used a sigmoid. A vanilla RNN squashes with tanh, so h_t lies in (-1, 1).",
            "Replace torch.sigmoid with torch.tanh.",
        ),
        (torch.tanh(pre - b), "The bias b is missing.", "Add b inside the tanh."),
        (torch.tanh(pre + b), "The bias b is added twice.", "Add b once."),
        (
            torch.tanh(W_xh @ x_t + b),
            "The recurrent term W_hh·h_{t-1} is missing: without it the cell has no memory of earlier steps.",
            "Add W_hh @ h_prev inside the tanh.",
        ),
        (torch.tanh(W_hh @ h_prev + b), "The input term W_xh·x_t is missing.", "Add W_xh @ x_t inside the tanh."),
    ]
    if _close(got, expected):
        return correct("h_t = tanh(W_xh·x_t + W_hh·h_{t-1} + b), exactly what nn.RNN computes.")
    return _diagnose(got, expected, mistakes, "your h_t")


@exercise("01.rnn_params", "Count the parameters of nn.RNN(input_size=3, hidden_size=8)")
def _grade_rnn_params(answer):
    known_mistakes = {
        96: "96 counts one bias vector, but nn.RNN keeps two, bias_ih_l0 and bias_hh_l0, of hidden_size = 8 each.",
        88: "88 counts the weights only (8·3 + 8·8); the biases are missing.",
        112: "112 counts three bias vectors; nn.RNN has two, bias_ih_l0 and bias_hh_l0.",
        40: "40 leaves out the recurrent weights weight_hh_l0 (8 × 8).",
        32: "32 counts only weight_ih_l0 (8 × 3) and one bias: the recurrent weights and the second bias are missing.",
        80: "80 leaves out the input weights weight_ih_l0 (8 × 3).",
    }
    feedback = _grade_count(
        answer,
        104,
        known_mistakes,
        "List the parameters with their shapes: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0.",
        "your count",
    )
    if feedback.correct:
        return correct("104 = 8·3 (weight_ih_l0) + 8·8 (weight_hh_l0) + 8 + 8 (two biases).")
    return feedback


@exercise("01.output_shape", "The shape of nn.RNN's output")
def _grade_output_shape(answer):
    if not isinstance(answer, (tuple, list, torch.Size)) or not all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in answer
    ):
        return wrong(
            f"Give the shape as a tuple of whole numbers, such as (2, 5, 7); you gave {answer!r}.",
            "Write the three sizes in order, in parentheses.",
        )
    shape = tuple(int(n) for n in answer)
    if shape == (4, 10, 8):
        return correct("output is (batch_size, seq_len, hidden_size) = (4, 10, 8): one hidden state per step.")
    messages = {
        (10, 4, 8): "(10, 4, 8) is the layout without batch_first=True: (seq_len, batch, hidden_size).",
        (4, 8): "(4, 8) holds only the final hidden state of each sequence, but output keeps every step.",
        (1, 4, 8): "(1, 4, 8) is the shape of h_n, the final hidden state; output keeps every step.",
        (4, 10, 3): "The last axis of output is hidden_size, not input_size: output holds hidden states.",
        (4, 10): "A hidden state is a vector, so output needs a third axis for its hidden_size numbers.",
    }
    if shape in messages:
        return wrong(messages[shape], "With batch_first=True the batch axis comes first, then time, then features.")
    return wrong(f"{shape} is not right yet.", "Which axes does output have? Batch, time, and what lives at each step?")



# --- Notebook 02 -------------------------------------------------------------------------------------------------


_SCALE_CHOICES = {
    "a": "the gradient 50 steps back becomes even smaller",
    "b": "it still vanishes, but it is orders of magnitude larger than before",
    "c": "it explodes: it grows above the gradient at the last step",
    "d": "it stays about the same",
}


@exercise("02.scale_by_two", "What happens to the gradient 50 steps back when W_hh is doubled?")
def _grade_scale_by_two(answer):
    if not isinstance(answer, str) or answer.strip().lower() not in _SCALE_CHOICES:
        return wrong(f"Answer with one letter: {', '.join(repr(k) for k in _SCALE_CHOICES)} (got {answer!r}).",
                     "For example answer = \"a\".")
    choice = answer.strip().lower()
    if choice == "b":
        return correct(
            "Doubling W_hh doubles its spectral radius (about 0.6 → 1.2), so each Jacobian shrinks the gradient much "
            "less; but tanh′ < 1 still pulls it down, so 50 steps back it is around 1e-2 instead of 1e-14."
        )
    hints = {
        "a": ("Larger recurrent weights multiply the gradient by a larger factor at every step, not a smaller one.",
              "Move the weight-scale slider from 1 to 2 and watch the curve."),
        "c": ("Doubling is not enough to explode here: tanh′ < 1 shrinks each step, and the saturated units shrink "
              "it further.", "Set weight scale = 2 on the slider and read the curve at distance 50."),
        "d": ("The per-step factor depends directly on W_hh, and 50 steps raise it to the 50th power.",
              "Compare 0.6**50 with 1.2**50, then check the slider."),
    }
    return wrong(*hints[choice])


@exercise("02.linear_ratio", "Gradient ratio of a 1-unit linear RNN after k steps")
def _grade_linear_ratio(gradient_ratio):
    if not callable(gradient_ratio):
        return pass_the_function(gradient_ratio, "02.linear_ratio")
    cases = [(0.5, 3), (0.9, 10), (1.1, 20), (2.0, 0), (-0.8, 5)]
    for w, k in cases:
        got = call_for_number(gradient_ratio, (w, k), "Return w ** k.")
        if isinstance(got, Feedback):
            return got
        expected = w**k
        if math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-12):
            continue
        if math.isclose(got, w * k, rel_tol=1e-6, abs_tol=1e-12):
            return wrong(f"gradient_ratio({w}, {k}) = {got:g} is w * k: the factors are multiplied, not added.",
                         "Each step multiplies the gradient by w, so k steps multiply it by w, k times.")
        if k > 0 and math.isclose(got, w ** (k - 1), rel_tol=1e-6, abs_tol=1e-12):
            return wrong(f"gradient_ratio({w}, {k}) = {got:g} is w ** (k - 1): one step short.",
                         "Going back k steps crosses k Jacobians ∂h_t/∂h_{t-1} = w.")
        if math.isclose(got, abs(w) ** k, rel_tol=1e-6, abs_tol=1e-12):
            return wrong(f"gradient_ratio({w}, {k}) = {got:g} drops the sign of w.",
                         "The ratio of gradients keeps the sign: return w ** k, not abs(w) ** k.")
        return wrong(f"gradient_ratio({w}, {k}) = {got:g}, but expected {expected:g}.",
                     "h_t = w h_{t-1} + x_t, so ∂h_t/∂h_{t-1} = w; chain k of them.")
    return correct("∂L/∂h_{T-k} = w^k ∂L/∂h_T: below 1 it vanishes exponentially, above 1 it explodes.")


@exercise("02.steps_to_vanish", "How many steps back until the gradient is below 1e-6 for w = 0.9?")
def _grade_steps_to_vanish(answer):
    number = _whole_number(answer)
    if number is None:
        is_number = isinstance(answer, numbers.Real) and not isinstance(answer, bool)
        if is_number and math.isclose(answer, 131.1, abs_tol=0.1):
            return wrong(f"{answer:g} steps is not a whole number of steps.",
                         "Round up: the gradient is still above 1e-6 after 131 steps.")
        return compare_number(answer, 132, "the number of steps")
    if number == 131:
        return wrong("After 131 steps 0.9**131 ≈ 1.01e-6: still just above 1e-6.", "Round up, not down.")
    if number in (6, 7):
        return wrong(f"{number} is how many factors of 10 you lose, not how many steps.",
                     "Each step multiplies by 0.9, so solve 0.9**k < 1e-6 for k: k > log(1e-6) / log(0.9).")
    if number == 132:
        return correct("0.9**132 ≈ 9.1e-7. Even a weight of 0.9 loses six orders of magnitude in about 130 steps.")
    return compare_number(number, 132, "the number of steps")

# --- Notebook 03 -------------------------------------------------------------------------------------------------


@exercise("03.output_gate", "Write the output gate and h_t")
def _grade_output_gate(output_gate_and_h):
    gen = torch.Generator().manual_seed(3)
    input_size, hidden_size = 2, 3
    z = torch.randn(hidden_size + input_size, generator=gen)  # (hidden_size + input_size,) = [h_{t-1}, x_t]
    c = torch.tensor([1.5, -0.8, 2.5])  # (hidden_size,): the new cell state C_t, beyond ±1 on purpose
    W_o = torch.randn(hidden_size, hidden_size + input_size, generator=gen) * 0.5  # (hidden_size, hidden + input)
    b_o = torch.randn(hidden_size, generator=gen) * 0.5  # (hidden_size,)
    result, problem = _run_learner_function(
        output_gate_and_h,
        "03.output_gate",
        "output_gate_and_h",
        (z, c, W_o, b_o),
        "W_o is (hidden_size, hidden_size + input_size) and z is (hidden_size + input_size,): use z @ W_o.T "
        "(or W_o @ z).",
    )
    if problem:
        return problem
    if not isinstance(result, tuple) or len(result) != 2:
        return wrong("Your function should return two tensors, o and h.", "End it with `return o, h`.")
    o, h = result
    pre = z @ W_o.T + b_o  # (hidden_size,)
    o_ref = torch.sigmoid(pre)
    if not _close(o, o_ref):
        o_mistakes = [
            (
                torch.tanh(pre),
                "Your o_t uses tanh. Gates use the sigmoid σ, so they lie between 0 and 1 and act as valves.",
                "Use torch.sigmoid for the output gate.",
            ),
            (pre, "Your o_t is missing the sigmoid σ.", "Wrap W_o·[h_{t-1}, x_t] + b_o in torch.sigmoid(...)."),
            (torch.sigmoid(pre - b_o), "The bias b_o is missing from o_t.", "Add b_o before the sigmoid."),
        ]
        return _diagnose(o, o_ref, o_mistakes, "your o_t")
    if _is_placeholder(h):
        return wrong("Your o_t is right; h is still a placeholder.", "Compute h from o and c, then run the check.")
    h_ref = o_ref * torch.tanh(c)
    if _close(h, h_ref):
        return correct("o_t = σ(W_o·[h_{t-1}, x_t] + b_o) and h_t = o_t * tanh(C_t).")
    h_mistakes = [
        (o_ref * c, "Your h_t is o_t * C_t: the tanh on the cell state is missing.", "Use o * torch.tanh(c)."),
        (
            torch.tanh(o_ref * c),
            "Your h_t applies tanh after multiplying by o_t; the equation squashes C_t first.",
            "Use o * torch.tanh(c).",
        ),
        (
            o_ref * torch.sigmoid(c),
            "Your h_t squashes C_t with a sigmoid; the equation uses tanh, so h_t can be negative.",
            "Use o * torch.tanh(c).",
        ),
        (torch.tanh(c), "Your h_t is tanh(C_t): the output gate o_t is not applied.", "Multiply by o."),
    ]
    return _diagnose(h, h_ref, h_mistakes, "your h_t")


@exercise("03.lstm_params", "Count the parameters of an LSTM with input_size=3, hidden_size=8")
def _grade_lstm_params(answer):
    one_bias, two_biases = 4 * (8 * (8 + 3) + 8), 4 * (8 * (8 + 3) + 8 + 8)  # 384, 416
    if isinstance(answer, (tuple, list)):
        if len(answer) != 2:
            return wrong(
                f"Give two numbers, (count with one bias per gate, count in PyTorch); you gave {len(answer)}.",
                "Write answer = (..., ...) with your two counts.",
            )
        if _unfinished(tuple(answer)):
            return _NOT_ATTEMPTED
        first, second = answer
        if _is_placeholder(first):
            return wrong("Fill in the first number too: the count with one bias per gate.", "Count one gate, times 4.")
        if _is_placeholder(second):
            second = None
    else:
        first, second = answer, None
    first_mistakes = {
        352: "352 counts the weights only (4 · 8 · (8 + 3)); the four bias vectors are missing.",
        416: "416 counts two biases per gate, which is PyTorch's count; with one bias per gate it is 32 fewer.",
        96: "96 is one gate (8 · (8 + 3) + 8); an LSTM has four: f, i, C̃ and o.",
        128: "128 leaves out the recurrent weights (the h_{t-1} columns of each W).",
        288: "288 leaves out the input weights (the x_t columns of each W).",
    }
    hint = "Each gate has W (8 × (8 + 3)) and b (8); count one gate, then times 4."
    feedback = _grade_count(first, one_bias, first_mistakes, hint, "your count with one bias")
    if not feedback.correct:
        return feedback
    if second is None:
        return wrong(
            "384 is right for one bias per gate. Now add PyTorch's count as a second number.",
            "Write answer = (384, ...) with PyTorch's count in place of ...",
        )
    second_mistakes = {
        384: "384 is the one-bias count, but nn.LSTM keeps two bias vectors, bias_ih_l0 and bias_hh_l0.",
        448: "448 counts one bias vector too many: nn.LSTM adds 4 · 8 = 32 numbers (bias_hh_l0) to 384.",
        768: "768 doubles everything; only the biases are doubled: bias_hh_l0 adds 4 · 8 = 32 numbers.",
    }
    hint = "Look at the shapes of lstm.bias_ih_l0 and lstm.bias_hh_l0."
    feedback = _grade_count(second, two_biases, second_mistakes, hint, "your PyTorch count")
    if feedback.correct:
        return correct(
            "384 with one bias per gate; PyTorch's two bias vectors (bias_ih_l0 + bias_hh_l0) add 4 · 8 = 32, "
            "giving 416. They always appear as a sum, so the extra 32 add no expressive power."
        )
    return feedback


def _as_row_list(answer):
    """The row indices named by a slice, range, list/tuple of ints or integer tensor; None if not such a thing."""
    if isinstance(answer, slice):
        return list(range(*answer.indices(32)))
    if isinstance(answer, torch.Tensor) and not answer.is_floating_point():
        answer = answer.flatten().tolist()
    if isinstance(answer, (range, list, tuple)) and all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in answer
    ):
        return [int(n) for n in answer]
    return None


@exercise("03.forget_rows", "Which rows of weight_ih_l0 belong to the forget gate?")
def _grade_forget_rows(answer):
    rows = _as_row_list(answer)
    if rows is None:
        return wrong(
            f"Give the rows as a range or slice such as range(0, 4); you gave {answer!r}.",
            "range(a, b) means rows a, a + 1, ..., b - 1.",
        )
    hidden_size = 8
    blocks = {gate: list(range(k * hidden_size, (k + 1) * hidden_size)) for k, gate in enumerate("ifgo")}
    if rows == blocks["f"]:
        return correct("range(8, 16): PyTorch stacks the gates as i, f, g, o, so f is the second block of 8 rows.")
    names = {"i": "the input gate i", "g": "the candidate g (C̃)", "o": "the output gate o"}
    for gate, name in names.items():
        if rows == blocks[gate]:
            return wrong(
                f"Those rows belong to {name}. PyTorch's gate order is i, f, g, o.",
                "Each gate has hidden_size = 8 rows; find the block of the forget gate in that order.",
            )
    if rows and rows[0] == 8 and len(rows) in (7, 9):
        return wrong(
            f"Off by one: you named {len(rows)} rows, but each gate has hidden_size = 8.",
            "range(a, b) stops before b, so range(a, a + 8) is 8 rows.",
        )
    if len(rows) == 1:
        return wrong(
            "That is a single row; every gate owns hidden_size = 8 rows, one per hidden unit.",
            "Give a range of 8 rows.",
        )
    return wrong(
        "Those are not the forget gate's rows.",
        "weight_ih_l0 is (4 · hidden_size, input_size) = (32, 3), gates stacked in the order i, f, g, o.",
    )



# --- Notebook 04 -------------------------------------------------------------------------------------------------


def _dict_of_numbers(answer, example):
    """``(values, None)`` when ``answer`` is a dict of finite numbers, else ``(None, feedback)``."""
    if not isinstance(answer, dict):
        return None, wrong(f"Your answer should be a dict such as {example}, but it is {type(answer).__name__}.",
                           "Write the names in quotes and a number after each colon.")
    values = {}
    for name, value in answer.items():
        if value is ...:
            return None, _NOT_ATTEMPTED
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            return None, wrong(f"The value of {name!r} should be a finite number, but it is {value!r}.",
                               "Use plain numbers such as 6.0 or -6.0.")
        values[name] = float(value)
    return values, None


@exercise("04.hold", "Choose gate settings that make the cell hold its memory")
def _grade_hold(answer):
    from .explorer import CELL_PARAMS, one_unit_step

    values, problem = _dict_of_numbers(answer, "{'b_f': 1.0, 'b_i': 0.0}")
    if problem:
        return problem
    unknown = sorted(set(values) - set(CELL_PARAMS))
    if unknown:
        return wrong(f"{unknown} are not slider names.", f"Use names from: {', '.join(CELL_PARAMS)}.")
    outside = sorted(name for name, value in values.items() if abs(value) > 8)
    if outside:
        return wrong(f"{outside} lie outside the sliders' range.", "Every weight and bias slider goes from -8 to 8.")
    worst = None
    for x_t in (-1.0, 0.0, 1.0):
        for h_prev in (-1.0, 0.0, 1.0):
            for c_prev in (-1.5, 0.5, 1.5):
                state = one_unit_step(x_t, h_prev, c_prev, **values)
                if worst is None or abs(state.c - c_prev) > abs(worst.c - worst.c_prev):
                    worst = state
    change = abs(worst.c - worst.c_prev)
    if change < 0.05:
        return correct(f"c_t stays within {change:.3f} of c_(t-1) for every input tried: the cell holds its memory.")
    where = f"With x_t = {worst.x_t:g}, h_(t-1) = {worst.h_prev:g}, c_(t-1) = {worst.c_prev:g}"
    if worst.f < 0.95:
        return wrong(f"{where}, f = {worst.f:.3f}, so c_t = {worst.c:.3f} instead of about {worst.c_prev:g}.",
                     "Open the forget gate for every input: a large b_f (about 6) and w_x, w_h of f near 0.")
    return wrong(f"{where}, i = {worst.i:.3f} lets the candidate in: c_t = {worst.c:.3f} instead of {worst.c_prev:g}.",
                 "Close the input gate for every input: a very negative b_i (about -6) and w_x, w_h of i near 0.")


@exercise("04.half_life", "How many steps until a held memory halves?")
def _grade_half_life(half_life):
    if not callable(half_life):
        return pass_the_function(half_life, "04.half_life")
    cases = (0.5, 0.9, 0.99, 0.9975)
    for f in cases:
        got = call_for_number(half_life, (f,), "Return a float.")
        if isinstance(got, Feedback):
            return got
        expected = math.log(0.5) / math.log(f)
        if not math.isclose(got, expected, rel_tol=1e-3):
            if math.isclose(got, -expected, rel_tol=1e-3):
                return wrong(f"half_life({f}) = {got:.4g} has the wrong sign.", "A number of steps is positive.")
            if math.isclose(got, f ** 0.5, rel_tol=1e-3) or math.isclose(got, 0.5 / f, rel_tol=1e-3):
                return wrong(f"half_life({f}) = {got:.4g} is not a number of steps.",
                             "After n steps the memory is f**n times its start; solve f**n = 0.5 for n.")
            return wrong(f"half_life({f}) = {got:.4g}, but with f = {f} a memory halves after {expected:.4g} steps.",
                         "Solve f**n = 0.5 for n with logarithms: n = log(0.5) / log(f).")
    return correct("f = 0.99 keeps half a memory for about 69 steps; f = σ(6) ≈ 0.9975 (b_f = 6) for about 280.")


@exercise("04.first_spike", "When does unit 0's input gate open?")
def _grade_first_spike(answer):
    number = _whole_number(answer)
    if number is None:
        return wrong(f"Your answer should be a whole time step such as 3, but it is {answer!r}.", "Write an int.")
    if number == 2:
        return correct("Only at t = 2, the first spike: afterwards h0 ≈ 0.74 and its weight -20 keeps i closed.")
    if number == 7:
        return wrong("At t = 7 (the second spike) unit 0's input gate stays shut.",
                     "Look at the i heatmap, row 0: which step is bright? Its own h closes the gate after that.")
    return wrong(f"At t = {number} unit 0's input gate is closed.", "Step through time; watch row 0 of the i heatmap.")


# --- Notebook 05 -------------------------------------------------------------------------------------------------


@exercise("05.cell_derivative", "Write ∂c_t/∂c_{t-1} along the cell-state path")
def _grade_cell_derivative(cell_derivative):
    gen = torch.Generator().manual_seed(5)
    f, i, o = (torch.rand(6, generator=gen) for _ in range(3))  # (hidden_size,)
    g, c_prev = torch.rand(6, generator=gen) * 2 - 1, torch.randn(6, generator=gen)  # (hidden_size,)
    got, problem = _run_learner_function(
        cell_derivative, "05.cell_derivative", "cell_derivative", (f, i, g, o, c_prev),
        "Every argument is (hidden_size,); the answer is (hidden_size,) too: one derivative per unit.",
    )
    if problem:
        return problem
    c = f * c_prev + i * g
    mistakes = [
        (i * g, "That is i_t ⊙ g_t, the new content written to the cell: it does not depend on c_{t-1}.",
         "Differentiate c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t with respect to c_{t-1}, holding the gates fixed."),
        (f * c_prev, "That is f_t ⊙ c_{t-1}, the kept part of the cell, not its derivative.",
         "The derivative of f·c with respect to c is f."),
        (o * (1 - torch.tanh(c) ** 2) * f, "That is the path through h_t = o_t ⊙ tanh(c_t) as well.",
         "Only follow c_{t-1} → c_t: the cell-state path has no tanh and no output gate."),
        (torch.ones_like(f), "1 would be the carousel with the forget gate always open.",
         "The forget gate f_t multiplies c_{t-1}, so it is in the derivative."),
    ]
    return _diagnose(got, f, mistakes, "∂c_t/∂c_{t-1}")


def _grade_forget_bias_result(lstm, before, value):
    H = lstm.hidden_size
    total = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach()  # (4H,)
    before_total = before[0] + before[1]
    gates = {"input gate i (rows 0:H)": slice(0, H), "forget gate f (rows H:2H)": slice(H, 2 * H),
             "candidate g (rows 2H:3H)": slice(2 * H, 3 * H), "output gate o (rows 3H:4H)": slice(3 * H, 4 * H)}
    set_to = {name: torch.allclose(total[rows], torch.full((H,), value)) for name, rows in gates.items()}
    kept = {name: torch.allclose(total[rows], before_total[rows]) for name, rows in gates.items()}
    forget = "forget gate f (rows H:2H)"
    if set_to["input gate i (rows 0:H)"] and not set_to[forget]:
        return wrong("You set rows 0:H, which belong to the input gate i, not the forget gate.",
                     "PyTorch packs the gates in the order i, f, g, o: the forget gate is rows H:2H.")
    if torch.allclose(total[gates[forget]], torch.full((H,), 2 * value)):
        return wrong(f"The forget-gate bias now sums to {2 * value:g}: you set it in both bias_ih_l0 and bias_hh_l0.",
                     "PyTorch adds the two biases; put the value in one and 0 in the other.")
    if not set_to[forget]:
        return wrong(f"bias_ih_l0 + bias_hh_l0 in rows H:2H is {total[gates[forget]][:3].tolist()}..., not {value:g}.",
                     "Set bias_ih_l0[H:2*H] = value and bias_hh_l0[H:2*H] = 0, inside torch.no_grad().")
    changed = [name for name, same in kept.items() if name != forget and not same]
    if changed:
        return wrong(f"The forget gate is right, but you also changed the {', '.join(changed)}.",
                     "Only touch rows H:2*H; leave the other gates' biases as they were.")
    return correct("Rows H:2H of bias_ih_l0 + bias_hh_l0 now hold the forget bias; the other gates are untouched.")


@exercise("05.forget_bias", "Set the forget-gate bias of an nn.LSTM")
def _grade_forget_bias(set_my_forget_bias):
    if not callable(set_my_forget_bias):
        return pass_the_function(set_my_forget_bias, "05.forget_bias")
    for hidden_size, value in ((5, 3.0), (3, -1.5)):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(hidden_size)
            lstm = torch.nn.LSTM(2, hidden_size, batch_first=True)
        before = (lstm.bias_ih_l0.detach().clone(), lstm.bias_hh_l0.detach().clone())
        try:
            result = set_my_forget_bias(lstm, value)
        except RuntimeError as exc:
            if "leaf Variable" not in str(exc):
                raise
            return wrong("PyTorch refused to change a parameter in place while it tracks gradients.",
                         "Put the assignments inside `with torch.no_grad():`.")
        if result is ... or (result is None and torch.equal(lstm.bias_ih_l0, before[0])
                             and torch.equal(lstm.bias_hh_l0, before[1])):
            return _NOT_ATTEMPTED
        feedback = _grade_forget_bias_result(lstm, before, value)
        if not feedback.correct:
            return feedback
    return feedback


@exercise("05.bias_for_delay", "Which forget bias keeps half the gradient after 45 steps?")
def _grade_bias_for_delay(answer):
    f_needed = 0.5 ** (1 / 45)  # σ(b)^45 = 0.5
    expected = math.log(f_needed / (1 - f_needed))  # the logit of f_needed, about 4.17
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return compare_number(answer, expected, "the bias b")
    value = float(answer)
    if math.isclose(value, f_needed, rel_tol=1e-3):
        return wrong(f"{value:.4g} is the forget-gate value f = σ(b) you need, not the bias b.",
                     "Invert the sigmoid: b = log(f / (1 - f)).")
    if math.isclose(value, 0.5 ** 45, rel_tol=1e-2) or math.isclose(value, 1 / 45, rel_tol=1e-2):
        return wrong(f"{value:.3g} is not the needed bias.",
                     "First solve f**45 = 0.5 for f, then b = log(f / (1 - f)).")
    if math.isclose(value, expected, rel_tol=1e-2):
        return correct(f"b ≈ {expected:.2f}: f = σ(b) ≈ {f_needed:.4f}, and {f_needed:.4f}**45 ≈ 0.5. "
                       "That is why a forget bias of 4 lets the LSTM learn delay 45.")
    return compare_number(value, expected, "the bias b", rel_tol=1e-2)

# --- Notebook 06 -------------------------------------------------------------------------------------------------


@exercise("06.crossing_windows", "Count the windows that cross a sequence boundary")
def _grade_crossing_windows(answer):
    # 100 sequences of 8 numbers joined end to end; windows of 3 inputs + 1 target slide over the joined list.
    # 797 windows in all; 5 start inside each sequence (500); the other 297 = 3 * 99 cross a boundary.
    known = {
        300: "300 counts 3 crossing windows after the last sequence too, but the joined list ends there.",
        500: "500 is the number of windows that stay INSIDE a sequence (5 per sequence). Count the others.",
        797: "797 is the number of windows in all. Some of them stay inside one sequence.",
        0: "0 would be true for windows cut inside each sequence; here they slide over the joined list.",
    }
    hint = "Windows in all: 100 * 8 - 3. Inside one sequence: 8 - 3 start positions per sequence."
    return _grade_count(answer, 297, known, hint, "the number of crossing windows")


def _as_window_arrays(result):
    """``(X, y)`` from a learner's window function as float64 tensors, or a Feedback saying what is wrong."""
    import numpy as np

    if not isinstance(result, tuple) or len(result) != 2:
        return None, wrong("Your function should return two arrays, X and y.", "End it with `return X, y`.")
    try:
        X, y = (torch.as_tensor(np.array(part, dtype=float)) for part in result)
    except (TypeError, ValueError):
        return None, wrong("X and y should be arrays of numbers.", "Build lists of windows and use np.array(...).")
    return (X, y), None


@exercise("06.windows_inside", "Write a window function that never crosses a sequence boundary")
def _grade_windows_inside(my_windows):
    import numpy as np

    from .data import make_sequences, make_windows

    if not callable(my_windows):
        return pass_the_function(my_windows, "06.windows_inside")
    sequences = make_sequences([(1, 2), (10, 5), (3, 1)], 7)  # (3, 7)
    window = 3
    result = my_windows(sequences.copy(), window)
    if _unfinished(result):
        return _NOT_ATTEMPTED
    arrays, problem = _as_window_arrays(result)
    if problem:
        return problem
    X, y = arrays
    X_ref, y_ref = (torch.as_tensor(a) for a in make_windows(sequences, window))  # (12, 3), (12,)
    flat = sequences.reshape(-1)
    X_joined = torch.as_tensor(np.array([flat[i : i + window] for i in range(len(flat) - window)]))
    if X.shape == X_joined.shape:
        return wrong(
            f"You made {X.shape[0]} windows, as many as sliding over the joined list: some cross from one sequence "
            "into the next.",
            "Loop over the sequences, and inside each one over its own start positions.",
        )
    if X.dim() != 2 or X.shape[1] != window:
        if X.dim() == 2 and X.shape[1] == window + 1:
            return wrong("Each row of X has window + 1 numbers: the target is in it.", "Use row[s : s + window].")
        return wrong(f"X has shape {tuple(X.shape)}, expected (num_windows, {window}).", "One row per window.")
    if y.reshape(-1).shape[0] != X.shape[0]:
        return wrong(f"X has {X.shape[0]} windows but y has {y.numel()} targets.", "Give one target per window.")
    if X.shape[0] != X_ref.shape[0]:
        return wrong(
            f"You made {X.shape[0]} windows; 3 sequences of 7 numbers give {X_ref.shape[0]} (4 per sequence).",
            "A sequence of length L has L - window start positions: range(len(row) - window).",
        )
    got = torch.cat([X, y.reshape(-1, 1)], dim=1)  # (num_windows, window + 1)
    expected = torch.cat([X_ref, y_ref.reshape(-1, 1)], dim=1)

    def in_order(rows):
        return sorted(tuple(row.tolist()) for row in rows)

    if in_order(got) == in_order(expected):
        return correct(f"{X.shape[0]} windows, all inside their own sequence, each with the number after it.")
    if in_order(X) == in_order(X_ref):
        return wrong("Your windows are right, but some targets are not the number right after their window.",
                     "The target of row[s : s + window] is row[s + window].")
    return wrong("Some windows are not stretches of one sequence.", "Compare your X with the sequences row by row.")


@exercise("06.linear_prediction", "The linear baseline's prediction")
def _grade_linear_prediction(answer):
    known = {
        5: "5 is the last input. The next number adds the step once more.",
        3: "3 is the step. Add it to the last input.",
    }
    hint = "Next = last + (last - previous), the rule the least-squares fit recovers."
    if _whole_number(answer) in known:
        return wrong(known[_whole_number(answer)], hint)
    return compare_number(answer, 8.0, "the prediction", rel_tol=1e-3, abs_tol=1e-3)


# --- Notebook 07 -------------------------------------------------------------------------------------------------


@exercise("07.step_unit", "Find the hidden unit that tracks the step")
def _grade_step_unit(most_step_like_unit):
    gen = torch.Generator().manual_seed(7)
    steps = torch.arange(1.0, 6.0).repeat(4)  # (20,)
    H = torch.randn(20, 6, generator=gen) * 0.3  # (num_sequences, hidden_size)
    H[:, 2] += 0.2 * steps  # positively related
    H[:, 4] -= 0.5 * steps  # more strongly, but negatively, related: the answer
    got, problem = _run_learner_function(most_step_like_unit, "07.step_unit", "most_step_like_unit", (H, steps),
                                         "H is (num_sequences, hidden_size) and steps is (num_sequences,).")
    if problem:
        return problem
    number = _whole_number(got)
    if number is None:
        return wrong(f"Your function returned {got!r}; it should return one unit index (an int).",
                     "Use .argmax() and .item() on the correlations.")
    if number == 4:
        return correct("Unit 4: its value falls as the step grows; the sign does not matter, the strength does.")
    if number == 2:
        return wrong("You found the unit with the largest positive correlation, but unit 4 is more strongly "
                     "(negatively) related to the step.", "Compare absolute values of the correlations.")
    return wrong(f"Unit {number} is not the one that tracks the step best.",
                 "Correlate each column of H with steps (centre both, divide by their norms); take the largest |r|.")


@exercise("07.first_forget_gate", "Compute the forget gate at the first step from nn.LSTM's weights")
def _grade_first_forget_gate(first_forget_gate):
    from .cells import run_lstm
    from .torch_bridge import lstm_weights_from_torch

    torch.manual_seed(3)
    lstm = torch.nn.LSTM(input_size=1, hidden_size=5, batch_first=True)
    x0 = torch.tensor([0.25])  # (input_size,)
    expected = run_lstm(x0.reshape(1, 1), lstm_weights_from_torch(lstm)).f[0]  # (hidden_size,)
    if not callable(first_forget_gate):
        return pass_the_function(first_forget_gate, "07.first_forget_gate")
    with torch.no_grad():
        got = first_forget_gate(lstm, x0.clone())
    if _unfinished(got):
        return _NOT_ATTEMPTED
    H = lstm.hidden_size
    with torch.no_grad():
        z = lstm.weight_ih_l0 @ x0 + lstm.bias_ih_l0 + lstm.bias_hh_l0  # (4 * hidden_size,): h_0 = 0 at the first step
        mistakes = [
            (torch.sigmoid(z[:H]), "These are the input gate's values (rows 0 to H).",
             "PyTorch packs the gates in the order i, f, g, o: the forget gate is rows H to 2H."),
            (z[H : 2 * H], "These are the forget gate's pre-activations: the sigmoid is missing.",
             "Apply torch.sigmoid."),
            (torch.sigmoid(z[H : 2 * H] - lstm.bias_hh_l0[H : 2 * H]), "bias_hh_l0 is missing.",
             "nn.LSTM adds both biases: bias_ih_l0 and bias_hh_l0."),
        ]
    return _diagnose(got, expected, mistakes, "your forget gate")


@exercise("07.saturation", "Why does the model miss 100, 200, 300, 400?")
def _grade_saturation(answer):
    choice = str(answer).strip().lower().strip("()") if isinstance(answer, str) else None
    if choice not in ("a", "b", "c"):
        return wrong(f"Answer with one letter, 'a', 'b' or 'c', but got {answer!r}.", "Write e.g. answer = 'a'.")
    if choice == "b":
        return correct("The scaled inputs (2.5 to 10) push the candidate tanh to its flat ends (g ≈ ±1), so c "
                       "stops growing with the input and the prediction falls far short of 500.")
    if choice == "a":
        return wrong("The prediction is far from 500, nowhere near it.", "Type 100, 200, 300, 400 into the explorer.")
    return wrong("It falls short; it does not overshoot.", "Type 100, 200, 300, 400 in the explorer.")


# --- Notebook 08 -------------------------------------------------------------------------------------------------

_LSTM_COUNT_CASES = ((1, 1, 1), (1, 50, 1), (3, 8, 1), (8, 64, 1), (2, 5, 2), (7, 16, 3))  # input, hidden, layers


def _lstm_layer_count(input_size, hidden_size):
    """Parameters of one LSTM layer: 4 blocks of W_ih, W_hh and two biases."""
    return 4 * (hidden_size * input_size + hidden_size * hidden_size + 2 * hidden_size)


def _as_count(got, what):
    """``got`` as a plain number, or a ``Feedback`` saying why it is not one."""
    if _unfinished(got):
        raise NotImplementedError
    if as_number(got) is None:
        return wrong(f"{what} is {type(got).__name__} ({got!r}), but it should be a number.", "Return a plain number.")
    return as_number(got)


@exercise("08.lstm_param_count", "Parameter count of a stacked LSTM")
def _grade_lstm_param_count(answer):
    if not callable(answer):
        return wrong(
            f"Your answer should be a function, but it is {type(answer).__name__}.",
            "Define def lstm_param_count(input_size, hidden_size, num_layers=1) and pass the function, not a call.",
        )
    for input_size, H, L in _LSTM_COUNT_CASES:
        call = f"lstm_param_count({input_size}, {H}, {L})"
        got = _as_count(answer(input_size, H, L), call)
        if isinstance(got, Feedback):
            return got
        lstm = torch.nn.LSTM(input_size, H, num_layers=L, device="meta")  # shapes only: no memory, no random numbers
        expected = sum(p.numel() for p in lstm.parameters())
        if math.isclose(got, expected):
            continue
        message = f"{call} = {got:g}, but nn.LSTM({input_size}, {H}, num_layers={L}) has {expected} parameters."
        first = _lstm_layer_count(input_size, H)
        if math.isclose(got * 4, expected):
            hint = "Off by a factor of 4? An LSTM has four blocks, one per gate (i, f, g, o), each with its weights."
        elif math.isclose(expected - got, 4 * H * L):
            hint = "Forgot one bias vector? PyTorch keeps two per block, bias_ih and bias_hh, hidden_size numbers each."
        elif math.isclose(expected - got, 8 * H * L):
            hint = "No biases counted? Each of the four blocks has two bias vectors of hidden_size numbers."
        elif L > 1 and math.isclose(got, first):
            hint = "Right for one layer: now use num_layers. Each extra layer adds its own four blocks."
        elif L > 1 and math.isclose(got, L * first):
            hint = "Layers after the first read the hidden state of the layer below: their W_ih is hidden_size wide."
        else:
            hint = "Per layer: W_ih (4·hidden_size × its input), W_hh (4·hidden_size × hidden_size), two biases."
        return wrong(message, hint)
    return correct("Your formula matches numel() for every size tried, including stacked layers.")


@exercise("08.seed_model_params", "Parameters of the tutorial's SimpleLSTM")
def _grade_seed_model_params(answer):
    lstm_only, readout = _lstm_layer_count(1, 50), 50 + 1
    mistakes = {
        lstm_only: f"{lstm_only} is the LSTM alone; add the Linear(50, 1) read-out: 50 weights and 1 bias.",
        lstm_only - 4 * 50 + readout: "That misses one bias vector: PyTorch's LSTM has bias_ih and bias_hh.",
        lstm_only // 4 + readout: "That is what an RNN would have: an LSTM has four blocks (i, f, g, o), not one.",
    }
    hint = "Per gate: 50 × 1 input weights, 50 × 50 recurrent weights, two biases of 50; four gates; then the read-out."
    return _grade_count(answer, lstm_only + readout, mistakes, hint, "the parameter count")


@exercise("08.peephole_params", "Parameters added by peephole connections")
def _grade_peephole_params(answer):
    full = "That counts full hidden_size × hidden_size matrices; peephole weights are element-wise (p ⊙ c), diagonal."
    mistakes = {
        4 * 50: "That gives the candidate g a peephole too; only f, i and o look at the cell state.",
        50 * 50: full,
        3 * 50 * 50: full,
        4 * 50 * 50: full,
        50: "That is one gate's peephole vector; each of f, i and o has its own.",
    }
    hint = "One weight per unit for each gate that looks at the cell."
    return _grade_count(answer, 3 * 50, mistakes, hint, "the number of peephole parameters")
