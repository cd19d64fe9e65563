"""Graders for notebook 02's exercises."""

import math
import numbers

from ._framework import (
    Feedback,
    _whole_number,
    call_for_number,
    compare_number,
    correct,
    exercise,
    letter_choice,
    pass_the_function,
    wrong,
)

_SCALE_CHOICES = {
    "a": "the gradient 50 steps back becomes even smaller",
    "b": "it still vanishes, but it is orders of magnitude larger than before",
    "c": "it explodes: it grows above the gradient at the last step",
    "d": "it stays about the same",
}


@exercise(
    "02.scale_by_two",
    "What happens to the gradient 50 steps back when W_hh is doubled?",
    hints=(
        "The per-step factor is about ρ(W_hh) × mean tanh′. Doubling W_hh doubles ρ; what do larger weights do to "
        "tanh′?",
        "Larger weights push more units into saturation, so mean tanh′ falls (here from about 0.93 to about 0.77). "
        "Is ρ × mean tanh′ still below 1, and how does the new factor compare with the old one after 50 steps?",
        "Per step: before, 0.60 × 0.93 ≈ 0.56; after, 1.2 × 0.77 ≈ 0.93. Compare 0.56**50 with 0.93**50 and with 1.",
    ),
    solution="""
from lstm_helpers.gradients import rnn_gradient_profile

# the rule of thumb: a per-step factor of about ρ × mean tanh′
before = rnn_gradient_profile(weight_scale=1.0)
after = rnn_gradient_profile(weight_scale=2.0)
print(f"50 steps back: {before.at(50):.0e} at scale 1, {after.at(50):.0e} at scale 2")
answer = "b"  # still far below 1, but many orders of magnitude larger than before
""",
)
def _grade_scale_by_two(answer):
    choice, problem = letter_choice(answer, tuple(_SCALE_CHOICES))
    if problem:
        return problem
    if choice == "b":
        return correct(
            "Doubling W_hh doubles its spectral radius (about 0.6 → 1.2), but larger weights saturate more units, so "
            "mean tanh′ falls from about 0.93 to 0.77. The per-step factor ρ × mean tanh′ ≈ 0.93 stays below 1: the "
            "gradient still vanishes, only more slowly (around 1e-2 50 steps back instead of 1e-14)."
        )
    hints = {
        "a": (
            "Larger recurrent weights multiply the gradient by a larger factor at every step, not a smaller one.",
            "Move the weight-scale slider from 1 to 2 and watch the curve.",
        ),
        "c": (
            "ρ = 1.2 alone does not decide it: tanh′ < 1 shrinks every step, and larger weights saturate more "
            "units, so tanh′ gets smaller.",
            "Estimate the per-step factor ρ × mean tanh′ at scale 2 (mean tanh′ is about 0.77 there): is it above 1?",
        ),
        "d": (
            "The per-step factor changes when W_hh doubles, and 50 steps raise that change to the 50th power.",
            "Estimate the factor ρ × mean tanh′ before (about 0.60 × 0.93) and after (ρ doubles, mean tanh′ drops to "
            "about 0.77), then raise both to the 50th power.",
        ),
    }
    return wrong(*hints[choice])


@exercise(
    "02.linear_ratio",
    "Gradient ratio of a 1-unit linear RNN after k steps",
    hints=(
        "Start with one step: what is ∂h_t/∂h_{t-1} when h_t = w h_{t-1} + x_t?",
        "Every step back multiplies the gradient by the same number, w. Going back k steps multiplies it k times.",
        "The ratio is w to the power k: in Python, w ** k.",
    ),
    solution="""
def gradient_ratio(w, k):
    return w**k  # each step back multiplies by ∂h_t/∂h_{t-1} = w
""",
    answer="gradient_ratio",
)
def _grade_linear_ratio(gradient_ratio):
    if not callable(gradient_ratio):
        return pass_the_function(gradient_ratio, "02.linear_ratio")
    cases = [(0.5, 3), (0.9, 10), (1.1, 20), (2.0, 0), (-0.8, 5)]
    for w, k in cases:
        got = call_for_number(gradient_ratio, (w, k), "Return the ratio as a plain number (a float).")
        if isinstance(got, Feedback):
            return got
        expected = w**k
        if math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-12):
            continue
        if math.isclose(got, w * k, rel_tol=1e-6, abs_tol=1e-12):
            return wrong(
                f"gradient_ratio({w}, {k}) = {got:g} is w * k: the factors are multiplied, not added.",
                "Each step multiplies the gradient by w, so k steps multiply it by w, k times.",
            )
        if k > 0 and math.isclose(got, w ** (k - 1), rel_tol=1e-6, abs_tol=1e-12):
            return wrong(
                f"gradient_ratio({w}, {k}) = {got:g} is w ** (k - 1): one step short.",
                "Going back k steps crosses k Jacobians ∂h_t/∂h_{t-1} = w.",
            )
        if math.isclose(got, abs(w) ** k, rel_tol=1e-6, abs_tol=1e-12):
            return wrong(
                f"gradient_ratio({w}, {k}) = {got:g} drops the sign of w.",
                "The ratio keeps the sign of every factor: with a negative w it alternates from step to step.",
            )
        return compare_number(
            got,
            expected,
            f"gradient_ratio({w}, {k})",
            rel_tol=1e-6,
            abs_tol=1e-12,
            hint="h_t = w h_{t-1} + x_t, so ∂h_t/∂h_{t-1} = w; chain k of them.",
        )
    return correct("∂L/∂h_{T-k} = w^k ∂L/∂h_T: below 1 it vanishes exponentially, above 1 it explodes.")


@exercise(
    "02.steps_to_vanish",
    "How many steps back until the gradient is below 1e-6 for w = 0.9?",
    hints=(
        "After k steps the ratio is 0.9**k. Find the smallest k with 0.9**k < 1e-6.",
        "Take logarithms: k log(0.9) < log(1e-6). log(0.9) is negative, so dividing by it flips the inequality.",
        "k > log(1e-6) / log(0.9); round up to the next whole number with math.ceil.",
    ),
    solution="""
import math

answer = math.ceil(math.log(1e-6) / math.log(0.9))  # smallest k with 0.9**k < 1e-6
""",
)
def _grade_steps_to_vanish(answer):
    number = _whole_number(answer)
    if number is None:
        is_number = isinstance(answer, numbers.Real) and not isinstance(answer, bool)
        if is_number and 0 < answer < 10_000 and math.isfinite(answer):
            return wrong(
                f"{answer:g} steps is not a whole number of steps.",
                "Steps come whole. Decide which whole number is the first one where 0.9**k has dropped below 1e-6 "
                "(check both neighbours of your number).",
            )
        return compare_number(answer, 132, "the number of steps")
    if number == 131:
        return wrong(
            "After 131 steps 0.9**131 ≈ 1.01e-6: still just above 1e-6.",
            "The question asks for the first k at which the gradient is below 1e-6, not the last at which it is above.",
        )
    if number in (6, 7):
        return wrong(
            f"{number} is how many factors of 10 you lose, not how many steps.",
            "Each step multiplies by 0.9, so solve 0.9**k < 1e-6 for k: k > log(1e-6) / log(0.9).",
        )
    if number == 132:
        return correct("0.9**132 ≈ 9.1e-7. Even a weight of 0.9 loses six orders of magnitude in about 130 steps.")
    if 0 < number <= 10_000:
        ratio = 0.9**number
        if ratio >= 1e-6:
            return wrong(f"After {number} steps 0.9**{number} ≈ {ratio:.2g}: still above 1e-6.", "Go further back.")
        return wrong(
            f"After {number} steps 0.9**{number} ≈ {ratio:.2g} is below 1e-6, but fewer steps already get there.",
            "Find the smallest k with 0.9**k < 1e-6: solve k log(0.9) < log(1e-6) for k.",
        )
    return compare_number(number, 132, "the number of steps")
