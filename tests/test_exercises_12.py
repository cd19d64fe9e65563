"""The graders of notebook 12's exercises: correct answers pass, typical mistakes get specific feedback."""

import torch

from lstm_helpers.exercises import grade, list_exercises


def lstm_param_count(input_size, hidden_size, num_layers=1):
    first = 4 * (hidden_size * input_size + hidden_size * hidden_size + 2 * hidden_size)
    later = 4 * (2 * hidden_size * hidden_size + 2 * hidden_size)
    return first + (num_layers - 1) * later


def test_notebook_12_has_four_exercises():
    assert list_exercises("12") == [
        "12.lstm_param_count",
        "12.seed_model_params",
        "12.peephole_params",
        "12.gru_step",
    ]


def test_param_count_correct():
    assert grade("12.lstm_param_count", lstm_param_count).status == "correct"
    as_tensor = lambda i, h, n=1: torch.tensor(lstm_param_count(i, h, n))  # noqa: E731
    assert grade("12.lstm_param_count", as_tensor).status == "correct"


def test_param_count_does_not_touch_the_random_generator():
    state = torch.random.get_rng_state()
    grade("12.lstm_param_count", lstm_param_count)
    assert torch.equal(state, torch.random.get_rng_state())


def test_param_count_not_attempted():
    def stub(input_size, hidden_size, num_layers=1):
        raise NotImplementedError("replace this line with your formula")

    def empty(input_size, hidden_size, num_layers=1): ...

    assert grade("12.lstm_param_count", stub).status == "not attempted"
    assert grade("12.lstm_param_count", empty).status == "not attempted"
    assert grade("12.lstm_param_count", ...).status == "not attempted"


def _feedback(fn):
    feedback = grade("12.lstm_param_count", fn)
    assert feedback.status == "wrong"
    return f"{feedback.message} {feedback.hint}"


def test_param_count_typical_mistakes():
    one_block = lambda i, h, n=1: n * (h * i + h * h + 2 * h)  # noqa: E731
    assert "every gate" in _feedback(one_block) and "factor" not in _feedback(one_block)
    one_bias = lambda i, h, n=1: 4 * (h * i + h * h + h) + (n - 1) * 4 * (2 * h * h + h)  # noqa: E731
    assert "one bias vector" in _feedback(one_bias)
    no_bias = lambda i, h, n=1: 4 * (h * i + h * h) + (n - 1) * 8 * h * h  # noqa: E731
    assert "No biases" in _feedback(no_bias)
    ignores_layers = lambda i, h, n=1: lstm_param_count(i, h)  # noqa: E731
    assert "num_layers" in _feedback(ignores_layers)
    same_input_everywhere = lambda i, h, n=1: n * lstm_param_count(i, h)  # noqa: E731
    assert "hidden state of the layer below" in _feedback(same_input_everywhere)
    assert "fewer parameters than nn.LSTM(1, 1, num_layers=1)" in _feedback(lambda i, h, n=1: 7)


def test_param_count_bad_answers_never_raise():
    assert "should be a function" in grade("12.lstm_param_count", 10651).message
    assert "should be a number" in grade("12.lstm_param_count", lambda i, h, n=1: "lots").message
    two_args = lambda i, h: lstm_param_count(i, h)  # noqa: E731
    feedback = grade("12.lstm_param_count", two_args)
    assert feedback.status == "wrong" and "TypeError" in feedback.message


def test_seed_model_params():
    assert grade("12.seed_model_params", 10651).status == "correct"
    assert grade("12.seed_model_params", torch.tensor(10651)).status == "correct"
    assert grade("12.seed_model_params", ...).status == "not attempted"
    assert "LSTM alone" in grade("12.seed_model_params", 10600).message
    assert "one bias vector" in grade("12.seed_model_params", 10451).message
    assert "RNN" in grade("12.seed_model_params", 2701.0).message
    assert grade("12.seed_model_params", 12345).status == "wrong"
    assert "should be a number" in grade("12.seed_model_params", "10651").message


def test_peephole_params():
    assert grade("12.peephole_params", 150).status == "correct"
    assert grade("12.peephole_params", ...).status == "not attempted"
    assert "candidate g" in grade("12.peephole_params", 200).message
    assert "full hidden_size × hidden_size" in grade("12.peephole_params", 7500).message
    assert "one gate's" in grade("12.peephole_params", 50).message
    assert "output gate has one too" in grade("12.peephole_params", 100).message
    assert "too large by a whole factor" in grade("12.peephole_params", 300).message


def test_seed_model_params_readout_bias_forgotten():
    feedback = grade("12.seed_model_params", 10650)
    assert feedback.status == "wrong" and "read-out's bias is forgotten" in feedback.message


def _gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh, mistake=None):
    H = h_prev.shape[-1]
    i_r, i_z, i_n = (x_t @ W_ih.T + b_ih).chunk(3, dim=-1)
    h_r, h_z, h_n = (h_prev @ W_hh.T + b_hh).chunk(3, dim=-1)
    if mistake == "z_r_swapped":
        i_r, i_z, h_r, h_z = i_z, i_r, h_z, h_r
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    if mistake == "bias_outside_reset":
        n = torch.tanh(i_n + r * (h_prev @ W_hh[2 * H :].T) + b_hh[2 * H :])
    elif mistake == "reset_before_matmul":
        n = torch.tanh(i_n + (r * h_prev) @ W_hh[2 * H :].T + b_hh[2 * H :])
    elif mistake == "sigmoid_candidate":
        n = torch.sigmoid(i_n + r * h_n)
    elif mistake == "no_reset":
        n = torch.tanh(i_n + h_n)
    else:
        n = torch.tanh(i_n + r * h_n)
    if mistake == "update_swapped":
        return z * n + (1 - z) * h_prev
    return (1 - z) * n + z * h_prev


def test_gru_step_correct_in_float32_and_float64():
    assert grade("12.gru_step", _gru_step).status == "correct"
    as_float32 = lambda *args: _gru_step(*(a.float() for a in args))  # noqa: E731
    assert grade("12.gru_step", as_float32).status == "correct"


def test_gru_step_not_attempted():
    def stub(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        raise NotImplementedError("write the GRU step")

    def empty(x_t, h_prev, W_ih, W_hh, b_ih, b_hh): ...

    assert grade("12.gru_step", stub).status == "not attempted"
    assert grade("12.gru_step", empty).status == "not attempted"
    assert grade("12.gru_step", ...).status == "not attempted"


def test_gru_step_typical_mistakes():
    def with_mistake(name):
        return lambda *args: _gru_step(*args, mistake=name)

    expected_words = {
        "z_r_swapped": "PyTorch packs them r, z, n",
        "bias_outside_reset": "adds b_hn outside the reset gate",
        "reset_before_matmul": "before the matrix product",
        "update_swapped": "wrong way round",
        "sigmoid_candidate": "uses the sigmoid",
        "no_reset": "ignores the reset gate",
    }
    for mistake, words in expected_words.items():
        feedback = grade("12.gru_step", with_mistake(mistake))
        assert feedback.status == "wrong" and words in feedback.message, (mistake, feedback)


def test_gru_step_shape_and_return_mistakes():
    transposed = lambda x, h, W_ih, W_hh, b_ih, b_hh: _gru_step(x, h, W_ih.T.T.T, W_hh, b_ih, b_hh)  # noqa: E731
    feedback = grade("12.gru_step", transposed)
    assert feedback.status == "wrong" and "x_t @ W_ih.T" in feedback.hint
    gates_too = lambda *args: (_gru_step(*args), None)  # noqa: E731
    assert "returns a tuple" in grade("12.gru_step", gates_too).message
    assert "function itself" in grade("12.gru_step", 3).message

    def forgot_return(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
        _gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh)

    assert "return" in grade("12.gru_step", forgot_return).message
