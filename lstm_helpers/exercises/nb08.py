"""Graders for notebook 08's exercises."""

import torch

from ._framework import (
    _NOT_ATTEMPTED,
    _diagnose,
    _run_learner_function,
    _unfinished,
    _whole_number,
    correct,
    exercise,
    pass_the_function,
    wrong,
)


@exercise("08.step_unit", "Find the hidden unit that tracks the step")
def _grade_step_unit(most_step_like_unit):
    gen = torch.Generator().manual_seed(7)
    steps = torch.arange(1.0, 6.0).repeat(4)  # (20,)
    H = torch.randn(20, 6, generator=gen) * 0.3  # (num_sequences, hidden_size)
    H[:, 2] += 0.2 * steps  # positively related
    H[:, 4] -= 0.5 * steps  # more strongly, but negatively, related: the answer
    got, problem = _run_learner_function(
        most_step_like_unit,
        "08.step_unit",
        "most_step_like_unit",
        (H, steps),
        "H is (num_sequences, hidden_size) and steps is (num_sequences,).",
    )
    if problem:
        return problem
    number = _whole_number(got)
    if number is None:
        return wrong(
            f"Your function returned {got!r}; it should return one unit index (an int).",
            "Use .argmax() and .item() on the correlations.",
        )
    if number == 4:
        return correct("Unit 4: its value falls as the step grows; the sign does not matter, the strength does.")
    if number == 2:
        return wrong(
            "You found the unit with the largest positive correlation, but unit 4 is more strongly "
            "(negatively) related to the step.",
            "Compare absolute values of the correlations.",
        )
    return wrong(
        f"Unit {number} is not the one that tracks the step best.",
        "Correlate each column of H with steps (centre both, divide by their norms); take the largest |r|.",
    )


@exercise("08.first_forget_gate", "Compute the forget gate at the first step from nn.LSTM's weights")
def _grade_first_forget_gate(first_forget_gate):
    from ..cells import run_lstm
    from ..torch_bridge import lstm_weights_from_torch

    torch.manual_seed(3)
    lstm = torch.nn.LSTM(input_size=1, hidden_size=5, batch_first=True)
    x0 = torch.tensor([0.25])  # (input_size,)
    expected = run_lstm(x0.reshape(1, 1), lstm_weights_from_torch(lstm)).f[0]  # (hidden_size,)
    if not callable(first_forget_gate):
        return pass_the_function(first_forget_gate, "08.first_forget_gate")
    with torch.no_grad():
        got = first_forget_gate(lstm, x0.clone())
    if _unfinished(got):
        return _NOT_ATTEMPTED
    H = lstm.hidden_size
    with torch.no_grad():
        z = lstm.weight_ih_l0 @ x0 + lstm.bias_ih_l0 + lstm.bias_hh_l0  # (4 * hidden_size,): h_0 = 0 at the first step
        mistakes = [
            (
                torch.sigmoid(z[:H]),
                "These are the input gate's values (rows 0 to H).",
                "PyTorch packs the gates in the order i, f, g, o: the forget gate is rows H to 2H.",
            ),
            (
                z[H : 2 * H],
                "These are the forget gate's pre-activations: the sigmoid is missing.",
                "Apply torch.sigmoid.",
            ),
            (
                torch.sigmoid(z[H : 2 * H] - lstm.bias_hh_l0[H : 2 * H]),
                "bias_hh_l0 is missing.",
                "nn.LSTM adds both biases: bias_ih_l0 and bias_hh_l0.",
            ),
        ]
    return _diagnose(got, expected, mistakes, "your forget gate")


@exercise("08.saturation", "Why does the model miss 100, 200, 300, 400?")
def _grade_saturation(answer):
    choice = str(answer).strip().lower().strip("()") if isinstance(answer, str) else None
    if choice not in ("a", "b", "c"):
        return wrong(f"Answer with one letter, 'a', 'b' or 'c', but got {answer!r}.", "Write e.g. answer = 'a'.")
    if choice == "b":
        return correct(
            "The scaled inputs (2.5 to 10) push the candidate tanh to its flat ends (g ≈ ±1), so c "
            "stops growing with the input and the prediction falls far short of 500."
        )
    if choice == "a":
        return wrong("The prediction is far from 500, nowhere near it.", "Type 100, 200, 300, 400 into the explorer.")
    return wrong("It falls short; it does not overshoot.", "Type 100, 200, 300, 400 in the explorer.")
