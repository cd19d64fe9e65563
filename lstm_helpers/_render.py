"""Crisp, fast figures for the explorers, and what a notebook shows for a widget before it is run.

``BlitImage`` draws the still parts of a figure once, then only the moving artists (blitting): a slider move costs
one restore of the saved background, a redraw of a few artists and a PNG encode (see ``benchmarks/widgets.py``).
Pictures are rendered with 2 pixels per CSS pixel and shown at the figure's own size, so text stays sharp on
ordinary and high-density screens instead of being stretched.

``with_picture`` wraps a widget so that a saved notebook, opened without running it (on GitHub, or in JupyterLab
before the kernel has run the cell), shows a still picture of the widget's default state and a one-line note
instead of the widget's text form (``VBox(children=(...``). Once the cell runs, the live widget replaces it.
Introduced in notebook 00 (``00_start_here``); used by every explorer.
"""

import base64
import html
import io

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

__all__ = ["BlitImage", "with_picture", "RUN_NOTE", "CSS_DPI", "PIXEL_RATIO"]

CSS_DPI = 96  # CSS pixels per inch: a figure 8 inches wide is shown 768 CSS pixels wide
PIXEL_RATIO = 2  # image pixels per CSS pixel: sharp on high-density screens, still small PNGs
RUN_NOTE = "▶ Run this cell to use the sliders. The picture shows where they start."


class BlitImage:
    """Render a Matplotlib ``Figure`` into an ``ipywidgets.Image``, redrawing only its ``animated`` artists."""

    def __init__(self, fig, animated):
        self.fig = fig
        fig.set_dpi(CSS_DPI * PIXEL_RATIO)
        self.canvas = FigureCanvasAgg(fig)
        self.animated = list(animated)
        for artist in self.animated:
            artist.set_animated(True)
        self.width_css = width_css = round(fig.get_figwidth() * CSS_DPI)
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width_css}px", max_width="100%"))
        self._background = None

    def redraw_background(self):
        """Draw everything that is not animated (call after changing axes, images or labels)."""
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)

    def png(self):
        """The current picture (background plus moving artists) as PNG bytes."""
        if self._background is None:
            self.redraw_background()
        self.canvas.restore_region(self._background)
        for artist in self.animated:
            self.fig.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        picture = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        picture.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def refresh(self):
        """Send the current picture to the ``Image`` widget and return its PNG bytes."""
        data = self.png()
        self.image.value = data
        return data


class _WithPicture:
    """A widget plus what to show when it cannot be shown live (see ``with_picture``)."""

    def __init__(self, widget, png, note, width_css):
        self.widget, self.png, self.note, self.width_css = widget, png, note, width_css

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        note = html.escape(self.note)
        data["text/plain"] = self.note
        if self.png is None:
            data["text/html"] = f"<p><em>{note}</em></p>"
            return bundle
        encoded = base64.b64encode(self.png).decode("ascii")
        width = f' width="{self.width_css}"' if self.width_css else ""
        data["image/png"] = encoded
        data["text/html"] = f'<p><em>{note}</em></p><img src="data:image/png;base64,{encoded}"{width} alt="{note}">'
        return bundle


def with_picture(widget, png=None, note=RUN_NOTE, width_css=None):
    """``widget`` for display, with a still ``png`` (bytes) and a ``note`` shown wherever it cannot run live.

    JupyterLab renders the live widget once the cell has run in this session; a saved notebook (untrusted output,
    no kernel) and GitHub show the note and the picture instead of the widget's text form. ``width_css`` sets the
    picture's shown width in CSS pixels (use the ``BlitImage``'s width so it is not stretched).
    """
    if not isinstance(widget, widgets.Widget):
        raise TypeError(f"with_picture wraps an ipywidgets widget, not {type(widget).__name__}.")
    return _WithPicture(widget, png, note, width_css)
