"""Layer colours: one per layer, in a fixed order, distinguishable and with contrast on tiles.

The Okabe–Ito palette is safe for the common colour-vision deficiencies; the legend also shows
each layer's name, so colour is never the only cue (WCAG 1.4.1).
"""

from __future__ import annotations

PALETTE = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: weakest contrast on light tiles)
)
GRID_FILL_OPACITY = 0.55


def layer_colour(index: int) -> str:
    """Colour of the ``index``-th layer; the palette repeats after eight layers."""
    return PALETTE[index % len(PALETTE)]
