"""Graders for notebook 04's exercises."""

import math
import numbers

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
    values = {}
    for name, value in answer.items():
        if value is ...:
            return None, _NOT_ATTEMPTED
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            return None, wrong(
                f"The value of {name!r} should be a finite number, but it is {value!r}.",
                "Use plain numbers such as 6.0 or -6.0.",
            )
        values[name] = float(value)
    return values, None


@exercise("04.hold", "Choose gate settings that make the cell hold its memory")
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
        return wrong(
            f"{where}, f = {worst.f:.3f}, so c_t = {worst.c:.3f} instead of about {worst.c_prev:g}.",
            "Open the forget gate for every input: a large b_f (about 6) and w_x, w_h of f near 0.",
        )
    return wrong(
        f"{where}, i = {worst.i:.3f} lets the candidate in: c_t = {worst.c:.3f} instead of {worst.c_prev:g}.",
        "Close the input gate for every input: a very negative b_i (about -6) and w_x, w_h of i near 0.",
    )


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
            if math.isclose(got, f**0.5, rel_tol=1e-3) or math.isclose(got, 0.5 / f, rel_tol=1e-3):
                return wrong(
                    f"half_life({f}) = {got:.4g} is not a number of steps.",
                    "After n steps the memory is f**n times its start; solve f**n = 0.5 for n.",
                )
            return wrong(
                f"half_life({f}) = {got:.4g}, but with f = {f} a memory halves after {expected:.4g} steps.",
                "Solve f**n = 0.5 for n with logarithms: n = log(0.5) / log(f).",
            )
    return correct("f = 0.99 keeps half a memory for about 69 steps; f = σ(6) ≈ 0.9975 (b_f = 6) for about 280.")


@exercise("04.first_spike", "When does unit 0's input gate open?")
def _grade_first_spike(answer):
    number = _whole_number(answer)
    if number is None:
        return wrong(f"Your answer should be a whole time step such as 3, but it is {answer!r}.", "Write an int.")
    if number == 2:
        return correct("Only at t = 2, the first spike: afterwards h0 ≈ 0.74 and its weight -20 keeps i closed.")
    if number == 7:
        return wrong(
            "At t = 7 (the second spike) unit 0's input gate stays shut.",
            "Look at the i heatmap, row 0: which step is bright? Its own h closes the gate after that.",
        )
    return wrong(f"At t = {number} unit 0's input gate is closed.", "Step through time; watch row 0 of the i heatmap.")
