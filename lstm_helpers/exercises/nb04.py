"""Graders, hints and worked solutions for notebook 04's exercises.

Time steps are counted from 1, as everywhere in the course (the code's index is ``t - 1``).
"""

import math
import numbers

import torch

from ._framework import (
    _NOT_ATTEMPTED,
    Feedback,
    _whole_number,
    call_for_number,
    correct,
    exercise,
    pass_the_function,
    wrong,
)


def _dict_of_numbers(answer, example):
    """``(values, None)`` when ``answer`` is a dict of finite numbers, else ``(None, feedback)``."""
    if not isinstance(answer, dict):
        return None, wrong(
            f"Your answer should be a dict such as {example}, but it is {type(answer).__name__}.",
            "Write the names in quotes and a number after each colon.",
        )
    if answer and all(value is ... for value in answer.values()):
        return None, _NOT_ATTEMPTED
    values = {}
    for name, value in answer.items():
        if value is ...:
            return None, wrong(
                f"{name!r} is still `...`: fill in every value.", "Give each name a plain number such as 6.0 or 0."
            )
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            return None, wrong(
                f"The value of {name!r} should be a finite number, but it is {value!r}.",
                "Use plain numbers such as 6.0 or -6.0.",
            )
        values[name] = float(value)
    return values, None


@exercise(
    "04.hold",
    "Choose gate settings that make the cell hold its memory",
    hints=(
        "Holding means keeping c(t−1) and writing nothing new. Which gate keeps the old memory, and which one "
        "lets the candidate in?",
        "The forget gate must be ≈ 1 and the input gate ≈ 0 for EVERY x(t) and h(t−1): a large bias does it, but "
        "only if the weights on x(t) and h(t−1) cannot move the gate away (the sliders start at w = 1).",
        "Open f with a large b_f (about 6) and close i with a very negative b_i (about −6); set wx_f, wh_f, wx_i and "
        "wh_i to 0.",
    ),
    solution='''
answer = {"b_f": 6.0, "wx_f": 0.0, "wh_f": 0.0, "b_i": -6.0, "wx_i": 0.0, "wh_i": 0.0}
''',
)
def _grade_hold(answer):
    from ..explorer import CELL_PARAMS, one_unit_step

    values, problem = _dict_of_numbers(answer, "{'b_f': 1.0, 'b_i': 0.0}")
    if problem:
        return problem
    unknown = sorted(set(values) - set(CELL_PARAMS))
    if unknown:
        return wrong(f"{unknown} are not slider names.", f"Use names from: {', '.join(CELL_PARAMS)}.")
    outside = sorted(name for name, value in values.items() if abs(value) > 8)
    if outside:
        return wrong(f"{outside} lie outside the sliders' range.", "Every weight and bias slider goes from −8 to 8.")
    worst = None
    for x_t in (-1.0, 0.0, 1.0):
        for h_prev in (-1.0, 0.0, 1.0):
            for c_prev in (-1.5, 0.5, 1.5):
                state = one_unit_step(x_t, h_prev, c_prev, **values)
                if worst is None or abs(state.c - c_prev) > abs(worst.c - worst.c_prev):
                    worst = state
    change = abs(worst.c - worst.c_prev)
    if change < 0.05:
        return correct("c(t) stays within 0.05 of c(t−1) for every input tried: the cell holds its memory.")
    where = f"With x(t) = {worst.x_t:g}, h(t−1) = {worst.h_prev:g}, c(t−1) = {worst.c_prev:g}"
    if worst.f < 0.95:
        return wrong(
            f"{where}, f = {worst.f:.3f}, so c(t) = {worst.c:.3f} instead of about {worst.c_prev:g}.",
            "Open the forget gate for every input: a large b_f, and weights wx_f, wh_f that cannot pull it down.",
        )
    return wrong(
        f"{where}, i = {worst.i:.3f} lets the candidate in: c(t) = {worst.c:.3f} instead of {worst.c_prev:g}.",
        "Close the input gate for every input: a very negative b_i, and weights wx_i, wh_i that cannot open it.",
    )


@exercise(
    "04.predict_forget",
    "Predict c(t) after sliding b(f) from hold down to 0",
    hints=(
        "Only the forget gate changes. Work out its new value first: what is σ(z) when z = 0?",
        "With the hold preset the forget gate's weights are 0, so z_f = b_f. The input gate is still shut "
        "(i ≈ 0.0025), so almost nothing is written.",
        "c(t) = f ⊙ c(t−1) + i ⊙ C̃ ≈ σ(0) × c(t−1) + 0, with c(t−1) = 1.",
    ),
    solution='''
import math

f = 1 / (1 + math.exp(-0.0))  # b_f = 0 and the forget gate's weights are 0 in the hold preset: f = σ(0)
i = 1 / (1 + math.exp(6.0))  # the input gate stays shut: i = σ(−6)
g = math.tanh(1.0)  # the candidate: C̃ = tanh(wx_C * x_t) with wx_C = 1 and x_t = 1
prediction = f * 1.0 + i * g  # c_t = f ⊙ c_(t−1) + i ⊙ C̃ with c_(t−1) = 1
''',
    answer="prediction",
)
def _grade_predict_forget(answer):
    from ..explorer import DEFAULT_CELL, PRESETS, one_unit_step

    inputs = {name: DEFAULT_CELL[name] for name in ("x_t", "h_prev", "c_prev")}
    expected = one_unit_step(**inputs, **(PRESETS["hold"] | {"b_f": 0.0})).c  # ≈ 0.502
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return wrong(f"Your prediction should be a number such as 0.3, but it is {answer!r}.", "Write a number.")
    if abs(answer - expected) < 0.03:
        return correct(
            f"c(t) ≈ {expected:.2f}: with b(f) = 0 the forget gate sits in the middle of its curve, σ(0) = 0.5, so "
            "half the memory is kept and the shut input gate adds almost nothing. Now slide b(f) to see it."
        )
    if abs(answer - 1.0) < 0.03:
        return wrong(
            "That is what hold gives with b(f) = 6. At b(f) = 0 the forget gate is no longer near 1.",
            "Where on the sigmoid curve is the point when z = 0?",
        )
    if abs(answer) < 0.03:
        return wrong(
            "A bias of 0 does not shut the forget gate: that takes a very negative bias (like the forget preset).",
            "Where on the sigmoid curve is the point when z = 0?",
        )
    if abs(answer - math.tanh(1.0)) < 0.03 or abs(answer - (0.5 + math.tanh(1.0))) < 0.03:
        return wrong(
            "The candidate is not written: the input gate is still shut (b(i) = −6 in the hold preset).",
            "Only the f ⊙ c(t−1) term is left; the i ⊙ C̃ term is about 0.",
        )
    return wrong(
        f"c(t) = {answer:g} is not what the cell computes.",
        "Work out f = σ(z_f) with z_f = b_f = 0 first, then c(t) = f ⊙ c(t−1) + i ⊙ C̃ with i ≈ 0.",
    )


@exercise(
    "04.half_life",
    "How many steps until a held memory halves?",
    hints=(
        "Each step multiplies the memory by f, so after n steps it is f**n times what it was.",
        "You want the n with f**n = 0.5. Taking logarithms of both sides turns the power into a product.",
        "n × log(f) = log(0.5), so n = log(0.5) / log(f): `return math.log(0.5) / math.log(f)`.",
    ),
    solution='''
import math


def half_life(f):
    return math.log(0.5) / math.log(f)  # solve f**n = 0.5 for n
''',
    answer="half_life",
)
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
            if math.isclose(got, f**0.5, rel_tol=1e-3) or math.isclose(got, 0.5 / f, rel_tol=1e-3):
                return wrong(
                    f"half_life({f}) = {got:.4g} is not a number of steps.",
                    "After n steps the memory is f**n times its start; solve f**n = 0.5 for n.",
                )
            check = f"{f}**{got:.4g} = {f**got:.3g}" if got > 0 else f"{got:.4g} steps"
            return wrong(
                f"half_life({f}) = {got:.4g}, but {check}: the memory has not fallen to half after that many steps.",
                "Solve f**n = 0.5 for n with logarithms.",
            )
    return correct("f = 0.99 keeps half a memory for about 69 steps; f = σ(6) ≈ 0.9975 (b_f = 6) for about 280.")


FIRST_SPIKE_SEQUENCE = (12, (4, 5, 10))  # seq_len and spike times (counted from 1) of the prediction exercise


@exercise(
    "04.first_spike",
    "Predict when unit 0's input gate opens on a new sequence",
    hints=(
        "Unit 0's input gate listens to x(t) AND to its own h0: a spike opens it only while h0 is still off.",
        "Walk through the steps in order: before the first spike nothing is stored; at the first spike the gate "
        "opens and h0 switches on; after that, h0 ≈ 0.74 times its weight −20 keeps the gate shut.",
        "The gate opens at the first spike only. Time steps are counted from 1: the first input is t = 1.",
    ),
    solution='''
from lstm_helpers.cells import run_lstm
from lstm_helpers.time_explorer import spike_sequence, spike_weights

x_new = spike_sequence(12, spikes=(4, 5, 10))
i_unit0 = run_lstm(x_new, spike_weights()).i[:, 0]  # (seq_len,): unit 0's input gate at t = 1, ..., 12
first_open = int((i_unit0 > 0.5).nonzero()[0]) + 1  # the code counts rows from 0; time steps are counted from 1
''',
    answer="first_open",
)
def _grade_first_spike(answer):
    seq_len, spikes = FIRST_SPIKE_SEQUENCE
    number = _whole_number(answer)
    if number is None:
        return wrong(f"Your answer should be a whole time step such as 3, but it is {answer!r}.", "Write an int.")
    first = spikes[0]
    if number == first:
        return correct(
            f"Only at t = {first}, the first spike: from then on h0 ≈ 0.74, and its weight −20 keeps the input gate "
            "shut, even at the spike right after it. Now load the sequence into the explorer and slide to see it."
        )
    if number + 1 in spikes:
        return wrong(
            f"At t = {number} there is no spike. Did you count from 0, as the code's row numbers do?",
            "In the course time steps are counted from 1: the first input is x_1 at t = 1, stored in row 0.",
        )
    if number in spikes:
        return wrong(
            f"At t = {number} a spike arrives, but unit 0's input gate stays shut: the unit has already stored a "
            "spike.",
            "Its own hidden state h0 closes the gate after the first spike (weight −20 on h0).",
        )
    if not 1 <= number <= seq_len:
        return wrong(f"t = {number} is outside the sequence: it has steps t = 1 to {seq_len}.", "Count from 1.")
    return wrong(
        f"At t = {number} there is no spike, so the input gate is shut (its bias is −6).",
        "The gate can only open when x(t) = 1: look at the spike times.",
    )


def _switch_sequences():
    """New random sequences of 0, +1 and −1 spikes the learner has not seen: ``(seq_len, 1)`` each."""
    gen = torch.Generator().manual_seed(404)
    sequences = []
    for _ in range(40):
        kind = torch.randint(0, 6, (30,), generator=gen)  # 0: +1 spike, 1: −1 spike, else quiet
        x = torch.where(kind == 0, 1.0, torch.where(kind == 1, -1.0, 0.0))
        sequences.append(x.unsqueeze(-1))  # (seq_len, input_size)
    return sequences


@exercise(
    "04.switch",
    "Hand-wire a one-unit LSTM that remembers the last spike: +1 switches it on, −1 switches it off",
    hints=(
        "Three situations: x = 0 (keep the memory as it is), x = +1 (store a 1), x = −1 (wipe the memory). Decide "
        "what f and i must be in each, then pick weights on x and biases that give those values.",
        "f must be ≈ 1 for x = 0 and ≈ 0 for x = −1: a positive bias plus a larger positive weight on x does it. "
        "i must be ≈ 1 only for x = +1: a negative bias plus a larger positive weight on x. The candidate C̃ should "
        "be ≈ 1 at a +1 spike (a weight of about 3 on x), and o can stay open (a bias of about 4).",
        "Write the conditions and solve them (weights on h can be 0): f = σ(wx_f x + b_f) needs b_f ≳ 5 (x = 0) "
        "and −wx_f + b_f ≲ −5 (x = −1); i = σ(wx_i x + b_i) needs b_i ≲ −5 (x = 0) and wx_i + b_i ≳ 5 (x = +1); "
        "C̃ = tanh(wx_C x) needs tanh(wx_C) ≈ 1; o = σ(b_o) needs b_o ≳ 3.",
    ),
    solution='''
switch = {
    "wx_f": 12.0, "wh_f": 0.0, "b_f": 6.0,  # f ≈ 1 for x = 0 and x = +1, f ≈ 0 for x = −1 (wipe)
    "wx_i": 12.0, "wh_i": 0.0, "b_i": -6.0,  # i ≈ 1 only for x = +1 (write)
    "wx_C": 3.0, "wh_C": 0.0, "b_C": 0.0,  # C̃ = tanh(3 x) ≈ 1 at a +1 spike, 0 when x = 0
    "wx_o": 0.0, "wh_o": 0.0, "b_o": 4.0,  # o ≈ 0.98: show the memory
}
''',
    answer="switch",
)
def _grade_switch(answer):
    from ..cells import run_lstm
    from ..explorer import CELL_PARAMS, one_unit_weights

    values, problem = _dict_of_numbers(answer, "{'wx_f': 1.0, 'b_f': 0.0, ...}")
    if problem:
        return problem
    unknown = sorted(set(values) - set(CELL_PARAMS))
    if unknown:
        return wrong(f"{unknown} are not parameter names.", f"Use the names: {', '.join(CELL_PARAMS)}.")
    missing = [name for name in CELL_PARAMS if name not in values]
    if missing:
        return wrong(
            f"Give all twelve numbers; missing: {', '.join(missing)}.", "Write 0.0 for a weight you do not need."
        )
    weights = one_unit_weights(**values)
    for x in _switch_sequences():
        h = run_lstm(x, weights).h[:, 0]  # (seq_len,)
        last = 0.0  # the most recent spike so far (0: none yet)
        for k, (x_t, h_t) in enumerate(zip(x[:, 0].tolist(), h.tolist(), strict=True)):
            last = x_t if x_t != 0 else last
            t, spikes = k + 1, " ".join(f"{v:+.0f}" if v else "0" for v in x[: k + 1, 0].tolist())
            where = f"On the new sequence {spikes} (t = 1 to {t}), h(t) = {h_t:.2f} at t = {t}"
            if last > 0 and h_t <= 0.5:
                if x_t > 0:
                    return wrong(
                        f"{where}, right at a +1 spike: the spike does not switch the memory on (h should be "
                        "above 0.5).",
                        "At x = +1 the input gate must open (i ≈ 1), the candidate C̃ must be near 1, and the output "
                        "gate must let c through (o near 1).",
                    )
                return wrong(
                    f"{where}: the last spike was +1, so h should still be above 0.5, but the memory faded.",
                    "While x = 0 the cell must hold: f ≈ 1 and i ≈ 0 (look at b_f and b_i).",
                )
            if last <= 0 and abs(h_t) >= 0.1:
                state = "the last spike was −1" if last < 0 else "no spike has come yet"
                if x_t < 0:
                    reason = (
                        "A −1 spike must wipe the memory: the forget gate has to shut when x = −1 (a weight on x), "
                        "and the input gate must stay shut so that nothing negative is written."
                        if h_t < 0
                        else "A −1 spike must wipe the memory: the forget gate has to shut when x = −1 (f ≈ 0)."
                    )
                    return wrong(f"{where}, at a −1 spike: {state}, so h should be near 0 (within 0.1).", reason)
                return wrong(
                    f"{where}: {state}, so h should be near 0 (within 0.1).",
                    "While x = 0 nothing may be written: the input gate must be shut, or C̃ must be 0, when x = 0.",
                )
    return correct(
        "On 40 new random sequences your unit switches on at every +1 spike, holds through the quiet steps, and "
        "switches off at every −1 spike: a one-bit memory built from two gates."
    )
