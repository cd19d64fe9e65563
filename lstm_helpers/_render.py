"""Fast figure updates for the explorers: draw the still parts once, then only the moving artists (blitting).

A slider move costs one restore of the saved background, a redraw of a few artists and a small PNG encode,
which keeps the kernel-side cost of an update far below a full redraw (see ``benchmarks/widgets.py``).
"""

import io

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

__all__ = ["BlitImage"]


class BlitImage:
    """Render a Matplotlib ``Figure`` into an ``ipywidgets.Image``, redrawing only its ``animated`` artists."""

    def __init__(self, fig, animated):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.animated = list(animated)
        for artist in self.animated:
            artist.set_animated(True)
        self.image = widgets.Image(format="png")
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
