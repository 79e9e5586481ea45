"""The bundled typeface: Liberation Serif 2.x, metric-compatible with Times New Roman and
with every Vietnamese glyph (SIL OFL 1.1, fonts/OFL.txt). The PDF embeds it; the DOCX
names Times New Roman, and uses these metrics to size what must fit a text's length."""

import functools
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).parent / "fonts"
REGULAR, BOLD, ITALIC, BOLD_ITALIC = (
    "LiberationSerif",
    "LiberationSerif-Bold",
    "LiberationSerif-Italic",
    "LiberationSerif-BoldItalic",
)


@functools.cache
def register_fonts() -> None:
    """Make the four faces known to reportlab, once per process."""
    for name in (REGULAR, BOLD, ITALIC, BOLD_ITALIC):
        suffix = name.partition("-")[2] or "Regular"
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"LiberationSerif-{suffix}.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC)


def face(*, bold: bool = False, italic: bool = False) -> str:
    return {(False, False): REGULAR, (True, False): BOLD, (False, True): ITALIC, (True, True): BOLD_ITALIC}[
        (bold, italic)
    ]


def text_width(text: str, size: float, *, bold: bool = False, italic: bool = False) -> float:
    """The width of `text` in points, as Times New Roman sets it."""
    register_fonts()
    return pdfmetrics.stringWidth(text, face(bold=bold, italic=italic), size)
