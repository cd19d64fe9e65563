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
    letter_choice,
    pass_the_function,
    wrong,
)


def _step_unit_data(answer_unit, seed):
    """Final hidden states ``H`` (20, 6) and steps (20,) where every typical wrong method picks a different unit.

    The answer (largest |correlation|, negative) is small in scale; a pure-noise unit varies most (``H.std``); a unit
    with a large constant offset wins an uncentred product; a large-scale, loosely related unit wins the covariance;
    a positively related unit wins the signed correlation. Columns are permuted so the answer is ``answer_unit``.
    """
    gen = torch.Generator().manual_seed(seed)
    steps = torch.arange(1.0, 6.0).repeat(4)  # (20,)
    centred = steps - steps.mean()
    noise = torch.randn(20, 6, generator=gen)  # (num_sequences, hidden_size)
    columns = [
        -0.1 * centred + 0.02 * noise[:, 0],  # the answer: |r| about 0.99, negative, tiny scale
        3.0 * noise[:, 1],  # varies most, unrelated: what H.std(0).argmax() picks
        10.0 + 0.05 * centred + 0.3 * noise[:, 2],  # large constant offset: wins the uncentred sum
        1.0 * centred + 2.0 * noise[:, 3],  # large scale, loosely related: wins the covariance
        0.2 * centred + 0.1 * noise[:, 4],  # positive and strong (but weaker than the answer): signed argmax
        0.3 * noise[:, 5],
    ]
    order = list(range(1, 6))
    order.insert(answer_unit, 0)  # column answer_unit holds the answer
    return torch.stack([columns[k] for k in order], dim=1), steps, order


def _step_unit_mistake(H, steps, number):
    """Feedback naming the wrong method whose pick is ``number``, or None."""
    Hc, sc = H - H.mean(0), steps - steps.mean()
    r = (Hc * sc[:, None]).sum(0) / torch.sqrt((Hc**2).sum(0) * (sc**2).sum())  # (hidden_size,)
    methods = [
        (int(H.std(0).argmax()), "You picked the unit whose values vary the most. Varying a lot is not the same as "
         "following the step: that unit's values are unrelated to it.", "Measure how each unit moves *with* the "
         "step: a correlation."),
        (int((H * steps[:, None]).sum(0).abs().argmax()), "You summed H times the steps without centring them, so a "
         "unit with a large constant value wins whatever it does.", "Subtract each column's mean (and the steps' "
         "mean) before multiplying."),
        (int((Hc * sc[:, None]).sum(0).abs().argmax()), "You used the covariance: it grows with a unit's scale, so a "
         "large, loosely related unit wins.", "Divide by both norms to get a correlation between -1 and 1."),
        (int(r.argmax()), "You found the unit with the largest positive correlation, but another unit is more "
         "strongly (negatively) related to the step.", "Compare absolute values of the correlations."),
    ]
    for pick, message, hint in methods:
        if number == pick:
            return wrong(message, hint)
    return None


@exercise(
    "08.step_unit",
    "Find the hidden unit that tracks the step",
    hints=(
        "\"Most strongly related, positively or negatively\" is the largest absolute correlation, not the largest "
        "value or the largest spread.",
        "Centre both: Hc = H - H.mean(0) and sc = steps - steps.mean(); then r = (Hc * sc[:, None]).sum(0) divided "
        "by the product of the norms.",
        "r = (Hc * sc[:, None]).sum(0) / torch.sqrt((Hc**2).sum(0) * (sc**2).sum()); return int(r.abs().argmax())",
    ),
    solution='''
import torch


def most_step_like_unit(H, steps):
    Hc, sc = H - H.mean(0), steps - steps.mean()  # centre both
    r = (Hc * sc[:, None]).sum(0) / torch.sqrt((Hc**2).sum(0) * (sc**2).sum())  # (hidden_size,) correlations
    return int(r.abs().argmax())  # strongest, whatever the sign
''',
    answer="most_step_like_unit",
)
def _grade_step_unit(most_step_like_unit):
    for answer_unit, seed in ((4, 7), (1, 11)):  # two data sets: the answer is not always the same unit
        H, steps, _ = _step_unit_data(answer_unit, seed)
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
                "Use .argmax() and .item() (or int(...)) on the correlations.",
            )
        if number != answer_unit:
            return _step_unit_mistake(H, steps, number) or wrong(
                f"Unit {number} is not the one that tracks the step best.",
                "Correlate each column of H with steps (centre both, divide by their norms); take the largest |r|.",
            )
    return correct("Your function finds the unit with the largest |correlation|: the sign does not matter, the "
                   "strength does, and neither the unit's scale nor its offset.")


@exercise(
    "08.first_forget_gate",
    "Compute the forget gate at the first step from nn.LSTM's weights",
    hints=(
        "At the first step h_0 = 0, so only the input weights and the two biases matter.",
        "PyTorch stacks the gates as i, f, g, o: the forget gate is the second block of hidden_size rows, counting "
        "from 0 (rows H to 2H - 1, i.e. slice(H, 2 * H)).",
        "f = sigmoid(weight_ih_l0[H:2H] @ x0 + bias_ih_l0[H:2H] + bias_hh_l0[H:2H])",
    ),
    solution='''
import torch


def first_forget_gate(lstm, x0):
    H = lstm.hidden_size
    rows = slice(H, 2 * H)  # gate order i, f, g, o: the forget gate is the second block
    z = lstm.weight_ih_l0[rows] @ x0 + lstm.bias_ih_l0[rows] + lstm.bias_hh_l0[rows]  # h_0 = 0: no W_hh term
    return torch.sigmoid(z)  # (hidden_size,)
''',
    answer="first_forget_gate",
)
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
            (
                torch.tanh(z[H : 2 * H]),
                "You used tanh. Gates use the sigmoid, so they lie between 0 and 1 and act as valves.",
                "Use torch.sigmoid for the forget gate (tanh is for the candidate g).",
            ),
            (
                torch.sigmoid(z[2 * H : 3 * H]),
                "These are rows 2H to 3H, the candidate g's block passed through a sigmoid.",
                "The forget gate is the second block (i, f, g, o), rows H to 2H, counting from 0.",
            ),
        ]
    return _diagnose(got, expected, mistakes, "your forget gate")


@exercise(
    "08.joint_coverage",
    "Which window gets no support from the training data?",
    hints=(
        "Describe each window by its start and its step, and compare that pair with the training windows' pairs.",
        "Training windows start at 1 to 14; those with step 1 start at 1 to 10, those with step 4 at 1 to 13.",
        "Find the window whose (start, step) lies farther than 1 from every training window's (start, step).",
    ),
    solution='''
from lstm_helpers.arithmetic import train_arithmetic_lstm
from lstm_helpers.sequence_explorer import nearest_training_window

result = train_arithmetic_lstm(num_epochs=1, progress=False)  # only its training pairs matter here
windows = {"a": [2.5, 5, 7.5, 10], "b": [19, 20, 21, 22], "c": [4, 8, 12, 16]}
for letter, window in windows.items():
    print(letter, nearest_training_window(window, result))  # (distance, nearest (start, step))
answer = "b"  # the only one farther than 1 from every training window
''',
)
def _grade_joint_coverage(answer):
    choice, problem = letter_choice(answer, ("a", "b", "c"))
    if problem:
        return problem
    if choice == "b":
        return correct(
            "19, 20, 21, 22: every number and the step 1 are in range, but training windows with step 1 start at "
            "1 to 10, so nothing like it was trained on."
        )
    if choice == "a":
        return wrong(
            "2.5, 5, 7.5, 10 has no integer in training, but its start and step lie between the training pairs "
            "(2, 2), (3, 3) and their neighbours: that is interpolation, which the model handles.",
            "Look at start and step together, not at whether the numbers are integers.",
        )
    return wrong("4, 8, 12, 16 -> 20 is the training pair (4, 4) itself.", "Check the start and step of each window.")
