"""The text alternative of a figure's image: one rule for every writer that shows an image.

EPUB (`img/@alt`) and JATS (`graphic/alt-text`) both call `alt_text`, so a figure's image is described
the same way in each: by its own alt text, else by the figure's label ("Figure 2"). Never by its
caption: the caption is shown with the image and tied to it (`figcaption`, `fig/caption`), and a text
alternative that repeats it makes a screen reader say it twice (WCAG 2.1 technique H2; JATS4R warns
"alt-text should not be a duplication of the figure caption"). WCAG 1.1.1 and JATS4R want a text
alternative on every image, so there always is one.
"""

from __future__ import annotations

from ..record import Figure


def alt_text(figure: Figure, label: str = "Figure") -> str:
    return figure.alt or label
