"""Crisp, fast figures for the explorers, and what a notebook shows for a widget before it is run.

``BlitImage`` draws the still parts of a figure once, then only the moving artists (blitting): a slider move costs
one restore of the saved background, a redraw of a few artists and a PNG encode (see ``benchmarks/widgets.py``).
Pictures are rendered with 2 pixels per CSS pixel and shown at the figure's own size, so text stays sharp on
ordinary and high-density screens instead of being stretched. ``png_bytes`` encodes them without PNG's row filters
and with the fastest zlib level: about 5 times faster than Pillow's encoder on these pictures, at about 10% more
bytes. Every picture carries alt text: ipywidgets 8.1's ``Image`` has no ``alt`` (and setting its ``tooltip`` breaks
its view), so ``BlitImage.picture`` holds the ``Image`` and a hidden ``HTML`` with the text, which
``with_picture``'s labeller script copies into the ``<img>``'s ``alt``.

``with_picture`` wraps a widget so that a saved notebook, opened without running it (on GitHub, or in JupyterLab
before the kernel has run the cell), shows a still picture of the widget's default state and a one-line note
instead of the widget's text form (``VBox(children=(...``). Once the cell runs, the live widget replaces it.
``with_picture`` also gives every slider handle inside the widget an accessible name: ipywidgets 8 draws a slider
as a ``<div role="slider">`` whose visible label is not linked to it, so a small script (run once per page, from an
``Output`` widget, whose outputs JupyterLab trusts) names each handle after its slider's description.
Introduced in notebook 00 (``00_start_here``); used by every explorer.
"""

import base64
import html
import io
import struct
import zlib

import ipywidgets as widgets
import numpy as np
from IPython.display import HTML, Javascript, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

__all__ = [
    "BlitImage",
    "Picture",
    "figure_picture",
    "show_figure",
    "with_picture",
    "shown_on_click",
    "png_bytes",
    "RUN_NOTE",
    "CSS_DPI",
    "SIGNED_CMAP",
    "MIN_TEXT_PX",
    "MAX_WIDTH_CSS",
    "make_readable",
    "text_report",
    "PIXEL_RATIO",
    "LABEL_CONTROLS_JS",
]

MIN_TEXT_PX = 12  # no text in a figure smaller than this many CSS pixels at 100% zoom, sub- and superscripts included
MAX_WIDTH_CSS = 1000  # wider figures are shrunk by JupyterLab in an ordinary window, and their text with them
SCRIPT_SHRINK = 0.7  # Matplotlib's mathtext draws a sub- or superscript at 0.7 of the text's size
# Signed values (below and above 0) on a map whose lightness rises monotonically: dark is negative, light positive,
# so the sign reads in grayscale and for colour-blind readers too (a red-white-blue map is dark at both ends).
SIGNED_CMAP = "cividis"
CSS_DPI = 96  # CSS pixels per inch: a figure 8 inches wide is shown 768 CSS pixels wide
PIXEL_RATIO = 2  # image pixels per CSS pixel: sharp on high-density screens, still small PNGs
RUN_NOTE = "▶ Run this cell to use the sliders. The picture shows where they start."

# Names every slider handle after its slider's visible description (ipywidgets 8 leaves role="slider" unnamed), and
# copies each picture's alt text (a hidden .picture-alt HTML widget next to it) into the <img>'s alt. Runs once per
# page and then follows new and changed widgets with a MutationObserver; idempotent.
LABEL_CONTROLS_JS = """
(function () {
  function label() {
    document.querySelectorAll('.jp-OutputArea .widget-slider, .jp-OutputArea .widget-hslider').forEach(function (box) {
      var text = box.querySelector('.widget-label');
      var name = text ? text.textContent.trim() : '';
      var handles = box.querySelectorAll('.noUi-handle');
      handles.forEach(function (handle, k) {
        var full = (name || 'slider') + (handles.length === 2 ? (k === 0 ? ' (start)' : ' (end)') : '');
        if (handle.getAttribute('aria-label') !== full) { handle.setAttribute('aria-label', full); }
      });
    });
    document.querySelectorAll('.jp-OutputArea .figure-alt').forEach(function (text) {
      var child = text.closest('.jp-OutputArea-child');
      var before = child ? child.previousElementSibling : null;
      var img = before ? before.querySelector('.jp-RenderedImage img') : null;
      var alt = text.textContent.trim();
      if (img && alt && img.getAttribute('alt') !== alt) { img.setAttribute('alt', alt); }
    });
    document.querySelectorAll('.jp-OutputArea .picture-alt').forEach(function (text) {
      var img = text.parentElement ? text.parentElement.querySelector('img.widget-image') : null;
      var alt = text.textContent.trim();
      if (img && alt && img.getAttribute('alt') !== alt) { img.setAttribute('alt', alt); }
    });
  }
  label();
  if (window.lstmCourseLabeller) { return; }
  var pending = false;
  window.lstmCourseLabeller = new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; label(); });
  });
  window.lstmCourseLabeller.observe(document.body, {childList: true, subtree: true, characterData: true});
})();
"""


def _stored(png):
    """``png`` re-encoded with PNG's row filters (Pillow, level 6): about 20% smaller for a picture kept in the
    notebook file, at about 50 ms once (slider moves use the faster ``png_bytes``)."""
    buffer = io.BytesIO()
    Image.open(io.BytesIO(png)).save(buffer, format="png", compress_level=6)
    return buffer.getvalue()


def png_bytes(rgba):
    """An ``(height, width, 4)`` uint8 RGBA array (an Agg canvas's buffer) as PNG bytes.

    No row filters and zlib level 1, the rows handed to zlib without another copy: on the explorers' mostly flat
    pictures this is about 5 times faster than Pillow's ``compress_level=1`` (which still tries every filter), for
    about 10% more bytes.
    """
    rgba = np.asarray(rgba)
    height, width = rgba.shape[:2]
    raw = np.empty((height, 1 + 4 * width), dtype=np.uint8)  # each row: filter byte 0 ("none"), then R G B A ...
    raw[:, 0] = 0
    raw[:, 1:] = rgba.reshape(height, 4 * width)

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits per channel, colour type 6 (RGBA)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1))
            + chunk(b"IEND", b""))


class BlitImage:
    """Render a Matplotlib ``Figure`` into an ``ipywidgets.Image``, redrawing only its ``animated`` artists.

    ``layers`` are artists (images, whole axes) that change now and then, not at every move: ``redraw_layers``
    draws them again onto the saved still parts, without a full draw (no layout, no colour bars, no titles).
    ``alt`` is the picture's alt text (default: the figure's title). Show ``picture`` (the ``image`` and its alt
    text) in a layout.
    """

    def __init__(self, fig, animated, alt="", layers=()):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        make_readable(fig, css_dpi=CSS_DPI)
        fig.set_dpi(CSS_DPI * PIXEL_RATIO)
        self.animated, self.layers = list(animated), list(layers)
        for artist in (*self.animated, *self.layers):
            artist.set_animated(True)
        self.width_css = width_css = round(fig.get_figwidth() * CSS_DPI)
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width_css}px", max_width="100%"))
        self._alt = widgets.HTML(layout=widgets.Layout(display="none")).add_class("picture-alt")
        self.picture = widgets.VBox([self.image, self._alt]).add_class("explorer-picture")
        self._alt_text = None
        self.alt = alt or fig.get_suptitle() or "a figure"
        self._background = self._still = None

    @property
    def alt(self):
        """The picture's alt text (what a screen reader says for it)."""
        return self._alt_text

    @alt.setter
    def alt(self, text):
        if self._alt_text != text:
            self._alt_text = text
            self._alt.value = html.escape(text)

    def redraw_background(self):
        """Draw everything that is not animated, then the layers (call after changing axes, images or labels)."""
        self.canvas.draw()
        self._still = self.canvas.copy_from_bbox(self.fig.bbox)
        self._draw_layers()

    def redraw_layers(self):
        """Draw the ``layers`` again onto the still parts (call after changing only the layers' data)."""
        if self._still is None:
            return self.redraw_background()
        self.canvas.restore_region(self._still)
        self._draw_layers()

    def _draw_layers(self):
        for artist in self.layers:
            self.fig.draw_artist(artist)
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)

    def png(self):
        """The current picture (background plus moving artists) as PNG bytes."""
        if self._background is None:
            self.redraw_background()
        self.canvas.restore_region(self._background)
        for artist in self.animated:
            self.fig.draw_artist(artist)
        return png_bytes(self.canvas.buffer_rgba())

    def refresh(self):
        """Send the current picture to the ``Image`` widget and return its PNG bytes."""
        data = self.png()
        self.image.value = data
        return data


class Picture:
    """PNG bytes with alt text, for ``display``: JupyterLab shows an ``<img alt=...>`` (its ``text/html``).

    JupyterLab 4 ignores alt text in an ``image/png`` output's metadata (its image renderer reads only width,
    height and background), so the picture also goes out as HTML, which JupyterLab prefers and renders with
    ``alt``; front ends without HTML get the PNG (shown ``width_css`` CSS pixels wide) and the alt text as plain text.
    """

    def __init__(self, png, alt, width_css=None):
        if not isinstance(png, bytes) or not png.startswith(b"\x89PNG"):
            raise TypeError("Picture needs PNG bytes, e.g. from BlitImage.png() or figure_picture(fig, alt).")
        if not isinstance(alt, str) or not alt.strip():
            raise ValueError("Give the picture an alt text: one or two sentences saying what it shows.")
        self.png, self.alt, self.width_css = png, alt, width_css

    def _repr_mimebundle_(self, include=None, exclude=None):
        encoded = base64.b64encode(self.png).decode("ascii")
        width = f' width="{self.width_css}"' if self.width_css else ""
        alt = html.escape(self.alt, quote=True)
        data = {
            "text/html": f'<img src="data:image/png;base64,{encoded}"{width} alt="{alt}">',
            "image/png": encoded,
            "text/plain": self.alt,
        }
        return data, ({"image/png": {"width": self.width_css}} if self.width_css else {})


def figure_picture(fig, alt):
    """A Matplotlib ``Figure`` as a ``Picture`` drawn at 2 pixels per CSS pixel, shown at the figure's own size."""
    canvas = FigureCanvasAgg(fig)
    dpi = fig.get_dpi()
    make_readable(fig, css_dpi=CSS_DPI)
    fig.set_dpi(CSS_DPI * PIXEL_RATIO)
    try:
        canvas.draw()
        png = _stored(png_bytes(canvas.buffer_rgba()))  # drawn once, kept in the notebook: the smaller encoding
    finally:
        fig.set_dpi(dpi)
    return Picture(png, alt, round(fig.get_figwidth() * CSS_DPI))


def _has_scripts(text):
    """Whether Matplotlib draws part of ``text`` as a sub- or superscript (mathtext between $ signs)."""
    return text.count("$") >= 2 and any(mark in text.split("$", 1)[1] for mark in "_^")


def _texts(fig):
    """Every visible, non-empty text of ``fig``, tick labels included, without laying out or drawing the figure."""
    from matplotlib.text import Text

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            axis.get_majorticklabels()  # computes the ticks' labels (cheap: no layout, no pixels)
            axis.get_minorticklabels()
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip():
            yield text


def _script_factor(text):
    return SCRIPT_SHRINK if _has_scripts(text.get_text()) else 1.0


def text_report(fig, css_dpi=None):
    """``{"min_text_px", "smallest", "width_css"}``: the smallest text as JupyterLab shows ``fig`` at 100% zoom.

    A text's size in CSS pixels is its font size in points times ``css_dpi / 72`` (default ``fig.dpi``: the inline
    backend shows a figure ``width × dpi`` CSS pixels wide, drawn at twice that for sharp screens); text with
    mathtext sub- or superscripts counts at the scripts' size. Introduced in notebook 01.
    """
    css_dpi = css_dpi or fig.dpi
    sizes = [(round(t.get_fontsize() * css_dpi / 72 * _script_factor(t), 1), t.get_text()[:40]) for t in _texts(fig)]
    smallest = min(sizes) if sizes else (float("inf"), "")
    return {"min_text_px": smallest[0], "smallest": smallest[1], "width_css": round(fig.get_figwidth() * css_dpi)}


def make_readable(fig, min_px=MIN_TEXT_PX, css_dpi=None):
    """Raise every text in ``fig`` to at least ``min_px`` CSS pixels, scripts included; return ``fig``.

    Log axes are labelled ``1e-10`` in plain text instead of 10 with a small superscript exponent; a text with
    mathtext scripts is enlarged until its scripts reach ``min_px``; tick labels are raised through the axis's tick
    parameters, so ticks made later (at the final layout) get the same size. ``css_dpi`` (default ``fig.dpi``): CSS
    pixels per inch of the shown figure. Called by ``show_figure``, ``figure_picture`` and ``BlitImage``.
    """
    from matplotlib.ticker import LogFormatter, LogFormatterSciNotation

    points = min_px * 72 / (css_dpi or fig.dpi)  # the smallest font size, in points, that is min_px CSS pixels
    for ax in fig.axes:
        for axis, which in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            if axis.get_scale() == "log":
                if type(axis.get_major_formatter()) is LogFormatterSciNotation:
                    axis.set_major_formatter(LogFormatter(labelOnlyBase=True))
                minor = axis.get_minor_formatter()
                if type(minor) is LogFormatterSciNotation:
                    axis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=minor.minor_thresholds))
            labels = [t for t in axis.get_majorticklabels() + axis.get_minorticklabels() if t.get_text().strip()]
            need = max((points / _script_factor(t) for t in labels), default=0.0)
            if labels and min(t.get_fontsize() for t in labels) < need - 1e-6:
                ax.tick_params(axis=which, which="both", labelsize=need)
    for text in _texts(fig):
        need = points / _script_factor(text)
        if text.get_fontsize() < need - 1e-6:
            text.set_fontsize(need)
    return fig


def show_figure(fig, alt):
    """Show a Matplotlib figure (as ``plt.show()`` does) with alt text: what it shows, in one or two sentences.

    JupyterLab 4 gives an ``image/png`` output no alt text, so the figure is followed by a hidden paragraph with
    ``alt`` and a short script (run in trusted outputs, i.e. once the cell has run) that copies it into the
    picture's ``alt``. Both are plain text that is the same on every machine. Every text is first raised to at least
    ``MIN_TEXT_PX`` CSS pixels (``make_readable``) and the output's metadata records ``text_report(fig)``.
    Introduced in notebook 01.
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("Give the figure an alt text: one or two sentences saying what it shows.")
    import matplotlib.pyplot as plt  # here, not at import time: importing lstm_helpers stays light

    make_readable(fig)
    display(fig, metadata={"lstm_course": text_report(fig)})  # checked by tests/test_notebook_outputs.py
    display(HTML(f'<p class="figure-alt" hidden>{html.escape(alt)}</p><script>{LABEL_CONTROLS_JS}</script>'))
    plt.close(fig)  # shown once: the inline backend does not show it again at the end of the cell


class _WithPicture:
    """A widget plus what to show when it cannot be shown live (see ``with_picture``)."""

    def __init__(self, widget, png, note, width_css, alt):
        labeller = widgets.Output(layout=widgets.Layout(display="none")).add_class("control-labeller")
        labeller.append_display_data(Javascript(LABEL_CONTROLS_JS))
        self.widget = widgets.VBox([widget, labeller])
        self.png, self.note, self.width_css, self.alt = png, note, width_css, alt

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        note = html.escape(self.note)
        data["text/plain"] = self.note
        if self.png is None:
            data["text/html"] = f"<p><em>{note}</em></p>"
            return bundle
        encoded = base64.b64encode(_stored(self.png)).decode("ascii")
        width = f' width="{self.width_css}"' if self.width_css else ""
        data["image/png"] = encoded
        alt = html.escape(self.alt or self.note, quote=True)
        data["text/html"] = f'<p><em>{note}</em></p><img src="data:image/png;base64,{encoded}"{width} alt="{alt}">'
        return bundle


def shown_on_click(description, build, tooltip=""):
    """A button that, when clicked, is replaced by the widget ``build()`` returns (nothing is built before).

    For a widget that would give an exercise away: under Run All it stays a button until the learner asks.
    The button has the CSS class ``shown-on-click``. Introduced in notebook 04.
    """
    if not callable(build):
        raise TypeError(f"build must be a function that returns a widget, not {type(build).__name__}.")
    button = widgets.Button(description=description, tooltip=tooltip or description,
                            layout=widgets.Layout(width="auto")).add_class("shown-on-click")
    box = widgets.VBox([button])

    def show(_button):
        box.children = (build(),)

    button.on_click(show)
    return box


def with_picture(widget, png=None, note=RUN_NOTE, width_css=None, alt=None):
    """``widget`` for display, with a still ``png`` (bytes) and a ``note`` shown wherever it cannot run live.

    JupyterLab renders the live widget once the cell has run in this session; a saved notebook (untrusted output,
    no kernel) and GitHub show the note and the picture instead of the widget's text form. ``width_css`` sets the
    picture's shown width in CSS pixels (use the ``BlitImage``'s width so it is not stretched); ``alt`` describes
    the still picture for screen readers (default: the note). The live widget gets named slider handles (see
    ``LABEL_CONTROLS_JS``).
    """
    if not isinstance(widget, widgets.Widget):
        raise TypeError(f"with_picture wraps an ipywidgets widget, not {type(widget).__name__}.")
    return _WithPicture(widget, png, note, width_css, alt)
