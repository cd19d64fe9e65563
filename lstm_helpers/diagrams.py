"""Diagrams of the LSTM cell, drawn with Matplotlib. Introduced in notebook 03 (``03_lstm_cell_from_scratch``).

``draw_lstm_cell()`` draws one LSTM step: the cell state c on a conveyor belt along the top, the four gates below
it, and the data flow between them. ``highlight="f"`` (or ``"i"``, ``"g"``, ``"o"``, ``"c"``) draws the path of one
gate in colour and fades the rest, so the cell can be shown again as each gate is introduced.
"""

import io

from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch

__all__ = ["HIGHLIGHTS", "draw_lstm_cell"]

HIGHLIGHTS = {
    "f": "the forget gate $f_t$ and what it does to the belt",
    "i": "the input gate $i_t$ and how much of the candidate it writes",
    "g": r"the candidate $\tilde C_t$ (PyTorch's g) and where it is written",
    "o": "the output gate $o_t$ and how it makes $h_t$ from the belt",
    "c": "the cell state $c_t$: the conveyor belt",
}
_EMPHASIS, _FADED = "#d9480f", "0.78"  # an orange that reads on the greens and blues, and a light grey
_SIGMOID_COLOR, _TANH_COLOR, _BELT_COLOR = "#7ad151", "#2a788e", "#440154"  # viridis 0.75, 0.45, 0.0


def draw_lstm_cell(highlight=None, ax=None, figsize=(10, 5.6)):
    """Draw the LSTM cell; ``highlight`` in ``HIGHLIGHTS`` emphasises one gate's path. Returns the ``Figure``.

    With ``ax`` the cell is drawn into that Matplotlib axes; otherwise a new figure of ``figsize`` inches is made.
    """
    if highlight is not None and highlight not in HIGHLIGHTS:
        raise ValueError(f"highlight must be None or one of {', '.join(map(repr, HIGHLIGHTS))}, not {highlight!r}.")
    if ax is None:
        fig = _DiagramFigure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot()
    _Drawing(ax, highlight).draw()
    title = "The LSTM cell: a conveyor belt for the cell state, controlled by gates"
    if highlight is not None:
        title += f"\nhighlighted: {HIGHLIGHTS[highlight]}"
    ax.set_title(title)
    ax.set_xlabel("one time step: the states enter on the left and leave on the right; the input enters below")
    ax.set_ylabel("hidden path (bottom), cell state (top)")
    return ax.figure


class _DiagramFigure(Figure):
    """A Matplotlib ``Figure`` that a notebook shows as a picture when it is a cell's last expression."""

    def _repr_png_(self):
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


class _Drawing:
    """The boxes, nodes and arrows of the cell, each tagged with the paths (gates) it belongs to."""

    def __init__(self, ax, highlight):
        self.ax, self.highlight = ax, highlight
        self.scale = min(1.0, 0.4 + 0.06 * ax.figure.get_figwidth())  # smaller figures get somewhat smaller text

    def _on(self, tags):
        return self.highlight is None or self.highlight in tags

    def _color(self, tags, normal="black"):
        if self.highlight is None:
            return normal
        return _EMPHASIS if self.highlight in tags else _FADED

    def line(self, x0, y0, x1, y1, tags, head=True):
        width = 2.4 if self.highlight is not None and self.highlight in tags else 1.2
        style = {"arrowstyle": "-|>" if head else "-", "color": self._color(tags), "linewidth": width,
                 "shrinkA": 0, "shrinkB": 0}
        self.ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=style)

    def box(self, x, y, text, color, tags, label=None):
        on = self._on(tags)
        edge = _EMPHASIS if (self.highlight is not None and on) else "black"
        self.ax.add_patch(FancyBboxPatch((x - 0.35, y - 0.28), 0.7, 0.56, boxstyle="round,pad=0.04",
                                         facecolor=color if on else "0.9", edgecolor=edge,
                                         linewidth=2.4 if self.highlight is not None and on else 1.0))
        text_color = ("white" if color == _TANH_COLOR else "black") if on else "0.6"
        self.ax.text(x, y, text, ha="center", va="center", fontsize=13 * self.scale, color=text_color)
        if label:  # the gate's name, and its symbol on a line of its own (a symbol with a subscript needs more room)
            name, symbol = label
            style = {"ha": "center", "va": "top", "zorder": 4, "color": "black" if on else "0.6",
                     "bbox": {"facecolor": "0.94", "edgecolor": "none", "pad": 1}}
            self.ax.text(x, y - 0.40, name, fontsize=9 * self.scale, **style)
            self.ax.text(x, y - 0.72, symbol, fontsize=11 * self.scale, **style)

    def node(self, x, y, text, tags):
        on = self._on(tags)
        edge = _EMPHASIS if (self.highlight is not None and on) else ("black" if on else _FADED)
        self.ax.add_patch(Circle((x, y), 0.22, facecolor="white", edgecolor=edge, zorder=3,
                                 linewidth=2.4 if self.highlight is not None and on else 1.0))
        self.ax.text(x, y, text, ha="center", va="center", fontsize=13 * self.scale, zorder=4,
                     color="black" if on else "0.6")

    def label(self, x, y, text, tags, **kwargs):
        self.ax.text(x, y, text, fontsize=13 * self.scale, color="black" if self._on(tags) else "0.6", **kwargs)

    def draw(self):
        ax = self.ax
        every = {"f", "i", "g", "o"}  # [h_{t-1}, x_t] feeds every gate
        ax.add_patch(FancyBboxPatch((1.0, 0.6), 8.0, 5.0, boxstyle="round,pad=0.1", facecolor="0.94",
                                    edgecolor="0.6"))
        # the belt: c_{t-1} -> ⊙ f_t -> + i_t ⊙ C̃_t -> c_t
        belt_color = _EMPHASIS if self.highlight == "c" else _BELT_COLOR
        ax.annotate("", xy=(9.9, 5.0), xytext=(0.1, 5.0),
                    arrowprops={"arrowstyle": "-|>", "color": belt_color, "linewidth": 4, "mutation_scale": 25})
        self.label(0.1, 5.2, "$c_{t-1}$", {"c", "f"})
        self.label(9.9, 5.2, "$c_t$", {"c", "i", "g", "o"}, ha="right")
        ax.text(5.0, 5.3, "cell state: the conveyor belt", ha="center", fontsize=10 * self.scale)
        # the hidden path: h_{t-1} and x_t join into [h_{t-1}, x_t] and feed every gate
        ax.plot([0.1, 6.6], [1.3, 1.3], color=self._color(every), linewidth=1.2)
        self.label(0.1, 1.45, "$h_{t-1}$", every)
        self.line(1.6, -0.1, 1.6, 1.3, every)
        self.label(1.75, 0.0, "$x_t$", every)
        ax.text(4.1, 0.85, "$[h_{t-1}, x_t]$ goes to every gate", ha="center", fontsize=10 * self.scale)
        for x, gate in ((2.6, "f"), (4.0, "i"), (5.2, "g"), (6.6, "o")):
            self.line(x, 1.3, x, 2.12, {gate})
        self.box(2.6, 2.4, "σ", _SIGMOID_COLOR, {"f"}, ("forget", "$f_t$"))
        self.box(4.0, 2.4, "σ", _SIGMOID_COLOR, {"i"}, ("input", "$i_t$"))
        self.box(5.2, 2.4, "tanh", _TANH_COLOR, {"g"}, ("candidate", r"$\tilde C_t$"))
        self.box(6.6, 2.4, "σ", _SIGMOID_COLOR, {"o"}, ("output", "$o_t$"))
        # forget: multiply the belt; input: add i_t ⊙ C̃_t to the belt
        self.line(2.6, 2.68, 2.6, 4.78, {"f"})
        self.node(2.6, 5.0, r"$\odot$", {"f", "c"})
        self.line(4.0, 2.68, 4.45, 3.62, {"i"})
        self.line(5.2, 2.68, 4.75, 3.62, {"g"})
        self.node(4.6, 3.8, r"$\odot$", {"i", "g"})
        self.line(4.6, 4.02, 4.6, 4.78, {"i", "g"})
        self.node(4.6, 5.0, "+", {"i", "g", "c"})
        # output: h_t = o_t ⊙ tanh(c_t)
        self.line(7.8, 5.0, 7.8, 4.18, {"o"})
        self.box(7.8, 3.9, "tanh", _TANH_COLOR, {"o"})
        self.line(7.8, 3.62, 7.8, 2.62, {"o"})
        self.line(6.95, 2.4, 7.58, 2.4, {"o"})
        self.node(7.8, 2.4, r"$\odot$", {"o"})
        self.line(7.8, 2.18, 7.8, 1.3, {"o"}, head=False)
        self.line(7.8, 1.3, 9.9, 1.3, {"o"})
        self.label(9.9, 1.45, "$h_t$", {"o"}, ha="right")
        ax.set_xlim(0, 10)
        ax.set_ylim(-0.2, 5.8)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
