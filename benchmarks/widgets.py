"""Kernel-side cost of one slider move in the explorers of notebooks 02, 04, 08 and 10 (a benchmark, not a test).

    python benchmarks/widgets.py            # 60 moves per explorer
    python benchmarks/widgets.py --moves 200
    python benchmarks/widgets.py --compare  # also the issue-19 "before" rendering, in the same run

It starts a real IPython kernel (as JupyterLab would), builds each explorer exactly as its notebook does (sliders,
``interactive_output``, the figure in an ``ipywidgets.Image``), then moves the slider by setting its ``value`` inside
the kernel: the same observer chain a browser drag triggers (compute, redraw, PNG, readout HTML, widget messages).
It reports the median and 95th percentile per move, as wall-clock time and as the kernel process's CPU time (the
CPU time is less disturbed by other programs competing for the cores). The design target is a median <= 50 ms.

``--compare`` runs every explorer a second time, in a second fresh kernel, with the rendering of before issue 19:
Pillow's PNG encoder (``compress_level=1``, which still tries PNG's row filters) instead of ``png_bytes``, and a
typed sequence redrawn in full with a new constrained layout instead of only its layers. Both columns come from
the same run, so the machine's load affects them alike.
"""

import argparse
import json
import sys

from jupyter_client.manager import start_new_kernel

SETUP = r"""
import json, statistics, time
import ipywidgets as widgets
from IPython.display import display

def _measure(name, slider, values):
    wall, cpu = [], []
    for value in values:
        w0, c0 = time.perf_counter(), time.process_time()
        slider.value = value  # fires interactive_output -> the explorer's update, as a browser move does
        wall.append(1e3 * (time.perf_counter() - w0))
        cpu.append(1e3 * (time.process_time() - c0))
    def p95(xs):
        return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]
    return {"explorer": name, "moves": len(values), "median_ms": statistics.median(wall), "p95_ms": p95(wall),
            "cpu_median_ms": statistics.median(cpu), "cpu_p95_ms": p95(cpu)}

_results = []
"""

BEFORE = r"""
import io
from PIL import Image
import lstm_helpers._render as _render
from lstm_helpers.time_explorer import TimeExplorer

def _pillow_png(rgba):  # the encoder before issue 19
    import numpy as np
    rgba = np.asarray(rgba)
    picture = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba.tobytes(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    picture.save(buffer, format="png", compress_level=1)
    return buffer.getvalue()

_render.png_bytes = _pillow_png
_set_sequence = TimeExplorer.set_sequence

def _full_redraw(self, *args, **kwargs):  # before: every new sequence laid out and drawn in full
    self.fig.set_layout_engine("constrained")
    self._drawn_ticks = None
    return _set_sequence(self, *args, **kwargs)

TimeExplorer.set_sequence = _full_redraw
"""

GRADIENT_EXPLORER = r"""
from lstm_helpers.gradients import GradientExplorer
gradient_explorer = GradientExplorer(max_len=100)
scale_slider = widgets.FloatSlider(value=1.0, min=0.25, max=6.0, step=0.25, description="W_hh scale")
len_slider = widgets.IntSlider(value=60, min=10, max=100, step=5, description="seq_len")
controls = {"weight_scale": scale_slider, "seq_len": len_slider}
gradient_out = widgets.interactive_output(gradient_explorer.update, controls)
display(widgets.VBox([widgets.HBox([scale_slider, len_slider]), gradient_explorer.readout, gradient_explorer.picture,
                      gradient_out]))
values = [0.25 * (1 + k % 24) for k in range(1, MOVES + 1)]
_results.append(_measure("02 gradient (W_hh scale slider)", scale_slider, values))
"""

CELL_EXPLORER = r"""
from lstm_helpers.explorer import CellExplorer, cell_layout, cell_sliders
cell_explorer = CellExplorer()
sliders = cell_sliders()
cell_out = widgets.interactive_output(cell_explorer.update, sliders)
display(cell_layout(sliders, cell_explorer, cell_out))
values = [round(-2 + 4 * (k % 41) / 40, 1) for k in range(1, MOVES + 1)]
_results.append(_measure("04 one cell (x_t slider)", sliders["x_t"], values))
values = [round(-6 + 12 * (k % 61) / 60, 1) for k in range(1, MOVES + 1)]
_results.append(_measure("04 one cell (b_f slider)", sliders["b_f"], values))
"""

TIME_EXPLORER = r"""
from lstm_helpers.cells import run_lstm
from lstm_helpers.time_explorer import TimeExplorer, spike_sequence, spike_weights, time_controls, time_layout
x = spike_sequence()
time_explorer = TimeExplorer(x, run_lstm(x, spike_weights()))
play, step = time_controls(time_explorer.seq_len)
time_out = widgets.interactive_output(time_explorer.update, {"t": step})
display(time_layout(time_explorer, play, step, time_out))
values = [1 + k % time_explorer.seq_len for k in range(1, MOVES + 1)]  # time steps count from 1
_results.append(_measure("04 through time (time-step slider)", step, values))
"""

TRAINED_EXPLORER = r"""
from lstm_helpers.arithmetic import train_arithmetic_lstm
from lstm_helpers.sequence_explorer import SequenceExplorer, trace_model
result = train_arithmetic_lstm(seed=0, progress=False)
trained = TimeExplorer([2, 4, 6, 8], trace_model(result.model, [2, 4, 6, 8], result.scaler))
play, step = time_controls(trained.seq_len)
trained_out = widgets.interactive_output(trained.update, {"t": step})
display(time_layout(trained, play, step, trained_out))
values = [1 + k % trained.seq_len for k in range(1, MOVES + 1)]
_results.append(_measure("08 trained LSTM (time-step slider)", step, values))
sequence_explorer = SequenceExplorer(result)
box = widgets.Text(value="3, 6, 9, 12", continuous_update=False)
sequence_out = widgets.interactive_output(sequence_explorer.update, {"text": box})
display(sequence_explorer.layout(box, sequence_out))
texts = ["2, 4, 6, 8", "1,,2", "5, 10, 15, 20", "hello", "100, 200, 300, 400", "7, 9, 11, 13"]
values = [texts[k % len(texts)] for k in range(max(12, MOVES // 5))]
_results.append(_measure("08 typed sequence (Enter in the text box)", box, values))
"""

CHAR_EXPLORER = r"""
from lstm_helpers.char_cells import trace_text
from lstm_helpers.char_data import load_vocabulary, topic_split
from lstm_helpers.char_explorer import CharExplorer, explorer_controls, explorer_layout
from lstm_helpers.char_model import load_shipped
import torch
torch.set_num_threads(1)
char_model, _ = load_shipped()
vocab = load_vocabulary()
validation_text = topic_split().validation
reference = trace_text(char_model, vocab, validation_text)
start = validation_text.index('"', 100)  # a quotation, 100 characters into the passage
passages = {"quotes": validation_text[start - 100 : start + 300], "prose": validation_text[:400]}
char_explorer = CharExplorer(char_model, vocab, passages, reference)
char_controls = explorer_controls(char_explorer, passage="quotes")
char_out = widgets.interactive_output(char_explorer.update, char_controls)
display(explorer_layout(char_explorer, char_controls, char_out))
values = [k % 256 for k in range(1, MOVES + 1)]
_results.append(_measure("10 character model (unit slider)", char_controls["unit"], values))
values = [(101 + k % 40, 106 + k % 40) for k in range(1, max(12, MOVES // 5) + 1)]
_results.append(_measure("10 character model (span: pattern search)", char_controls["span"], values))
print("RESULTS" + json.dumps(_results))
"""


def run(moves, before=False):
    """Run every explorer in a fresh kernel and return a list of result dicts (``before``: issue 19's old rendering)."""
    manager, client = start_new_kernel(kernel_name="python3")
    captured = []

    def hook(msg):
        if msg["msg_type"] == "stream":
            captured.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            captured.append("\n".join(msg["content"]["traceback"]))

    try:
        steps = (SETUP, *((BEFORE,) if before else ()), GRADIENT_EXPLORER, CELL_EXPLORER, TIME_EXPLORER,
                 TRAINED_EXPLORER, CHAR_EXPLORER)
        for code in steps:
            reply = client.execute_interactive(code.replace("MOVES", str(moves)), timeout=600, output_hook=hook)
            if reply["content"]["status"] != "ok":
                raise RuntimeError("The benchmark code failed in the kernel:\n" + "".join(captured))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    text = "".join(captured)
    return json.loads(text.split("RESULTS", 1)[1].splitlines()[0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moves", type=int, default=60, help="slider moves per explorer (default 60)")
    parser.add_argument("--compare", action="store_true", help="also run the rendering of before issue 19")
    args = parser.parse_args(argv)
    if args.moves < 5:
        parser.error("--moves must be at least 5 for a median and a 95th percentile to mean anything.")
    variants = [("now", run(args.moves))]
    if args.compare:
        variants.append(("before", run(args.moves, before=True)))
    print(f"{'explorer':45} {'version':>7} {'moves':>5} {'median ms':>10} {'p95 ms':>8} {'CPU median':>11} "
          f"{'CPU p95':>8}")
    for k, r in enumerate(variants[0][1]):
        for version, results in variants:
            r = results[k]
            print(f"{r['explorer']:45} {version:>7} {r['moves']:>5} {r['median_ms']:>10.1f} {r['p95_ms']:>8.1f} "
                  f"{r['cpu_median_ms']:>11.1f} {r['cpu_p95_ms']:>8.1f}")
    print("target: median <= 50 ms per slider move (the typed sequence is an Enter press, not a slider; the span\n"
          "slider of notebook 10 updates on release and also searches the validation text)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
