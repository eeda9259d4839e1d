"""The app's look: Fusion, the system's light or dark palette, and a style sheet derived from it.

Nothing here picks a light or dark colour by itself: every colour comes from the palette (or is
the accent), so a dark desktop gets a dark window. `PHOTOSEARCH_THEME=dark|light` overrides the
system, for screenshots and tests.
"""

from __future__ import annotations

import os

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#2f6fdf"
DARK_ACCENT = "#5b8ff0"
Role = QPalette.ColorRole


def dark_palette() -> QPalette:
    """A dark palette like GNOME's and KDE's dark themes (for --dark and tests)."""
    p = QPalette()
    colours = {
        Role.Window: "#232629",
        Role.WindowText: "#e6e6e6",
        Role.Base: "#1b1d20",
        Role.AlternateBase: "#2a2d31",
        Role.Text: "#e6e6e6",
        Role.Button: "#2d3035",
        Role.ButtonText: "#e6e6e6",
        Role.ToolTipBase: "#2d3035",
        Role.ToolTipText: "#e6e6e6",
        Role.PlaceholderText: "#8a8f98",
        Role.Mid: "#3a3e44",
        Role.Midlight: "#33373c",
        Role.Dark: "#151719",
        Role.Light: "#3f444a",
        Role.BrightText: "#ffffff",
        Role.Link: DARK_ACCENT,
        Role.Highlight: DARK_ACCENT,
        Role.HighlightedText: "#ffffff",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, Role.Text, QColor("#6b7078"))
    p.setColor(QPalette.ColorGroup.Disabled, Role.WindowText, QColor("#6b7078"))
    p.setColor(QPalette.ColorGroup.Disabled, Role.ButtonText, QColor("#6b7078"))
    return p


def is_dark(palette: QPalette) -> bool:
    return palette.color(Role.Window).lightness() < 128


def _mix(a: QColor, b: QColor, t: float) -> str:
    """a blended towards b by t, as #rrggbb."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    ).name()


def style_sheet(palette: QPalette) -> str:
    """The style sheet, its colours taken from palette."""
    window = palette.color(Role.Window)
    base = palette.color(Role.Base)
    text = palette.color(Role.Text)
    accent = palette.color(Role.Highlight)
    dark = is_dark(palette)
    c = {
        "window": window.name(),
        "base": base.name(),
        "text": text.name(),
        "muted": _mix(text, base, 0.4),
        "soft": _mix(text, base, 0.25),
        "line": _mix(window, text, 0.12),
        "field_line": _mix(window, text, 0.22),
        "accent": accent.name(),
        "accent_hover": accent.darker(115).name(),
        "chip": _mix(base, accent, 0.15),
        "chip_line": _mix(base, accent, 0.35),
        "chip_text": _mix(text, accent, 0.5),
        "track": _mix(base, text, 0.12),
        "error": "#4a1f1f" if dark else "#fdecec",
        "error_text": "#ffb4b4" if dark else "#8a1c1c",
        "warning": "#4a3a14" if dark else "#fff5e0",
        "warning_text": "#ffd58a" if dark else "#7a4b00",
        "info": _mix(base, accent, 0.2),
        "info_text": _mix(text, accent, 0.45),
    }
    return """
QMainWindow, #centre {{ background: {base}; }}
#topBar {{ background: {window}; border-bottom: 1px solid {line}; }}
#appName {{ font-size: 15px; font-weight: 600; color: {text}; padding-right: 12px; }}
#searchField, #dateField {{
    padding: 6px 10px; border: 1px solid {field_line}; border-radius: 8px; background: {base};
    color: {text}; font-size: 14px; min-height: 22px;
}}
#searchField:focus, #dateField:focus {{ border: 1px solid {accent}; }}
#sidebar, #rightPanel {{ background: {window}; }}
#rightPanel QWidget#rightInner {{ background: {window}; }}
#folderTree {{ background: transparent; font-size: 13px; color: {text}; }}
#folderTree::item {{ padding: 4px 2px; }}
#folderTree::item:selected {{ background: {chip}; color: {chip_text}; }}
#panelTitle {{ font-size: 12px; font-weight: 700; color: {muted}; text-transform: uppercase; }}
#panelSubtitle {{ font-size: 12px; font-weight: 600; color: {muted}; padding-top: 6px; }}
#hintLabel, #fieldKey {{ color: {muted}; }}
#understoodLabel {{ color: {soft}; }}
#fileName {{ font-size: 14px; font-weight: 600; }}
#headerTitle {{ font-size: 17px; font-weight: 600; color: {text}; }}
#resultsHeader {{ border-bottom: 1px solid {line}; background: {base}; }}
QPushButton#chip {{
    border: 1px solid {chip_line}; border-radius: 11px; padding: 2px 12px; background: {chip};
    min-height: 16px; color: {chip_text};
}}
QPushButton#chip:hover {{ background: {chip_line}; }}
QPushButton#tagButton, QPushButton#classButton, QPushButton#linkButton {{
    border: none; background: transparent; color: {accent}; padding: 2px 0; text-align: left;
}}
QPushButton#tagButton:hover, QPushButton#classButton:hover, QPushButton#linkButton:hover {{
    text-decoration: underline;
}}
QProgressBar#scoreBar {{ border: none; background: {track}; border-radius: 3px; }}
QProgressBar#scoreBar::chunk {{ background: {accent}; border-radius: 3px; }}
QPushButton#primaryButton, QPushButton#addFolderButton, QPushButton#backButton {{
    background: {accent}; color: white; border: none; border-radius: 7px; padding: 7px 16px;
    font-weight: 600;
}}
QPushButton#primaryButton:hover, QPushButton#addFolderButton:hover,
QPushButton#backButton:hover {{ background: {accent_hover}; }}
QPushButton#primaryButton {{ font-size: 14px; padding: 9px 22px; }}
#emptyTitle {{ font-size: 22px; font-weight: 600; color: {text}; }}
#emptyText {{ font-size: 14px; color: {soft}; }}
#banner {{ border-bottom: 1px solid {line}; }}
#banner[level="error"] {{ background: {error}; }}
#banner[level="error"] #bannerText {{ color: {error_text}; }}
#banner[level="warning"] {{ background: {warning}; }}
#banner[level="warning"] #bannerText {{ color: {warning_text}; }}
#banner[level="info"] {{ background: {info}; }}
#banner[level="info"] #bannerText {{ color: {info_text}; }}
QStatusBar {{ background: {window}; border-top: 1px solid {line}; }}
QSplitter::handle {{ background: {line}; }}
""".format(**c)


def apply_style(app: QApplication, theme: str | None = None) -> None:
    """Fusion with the system palette (or theme "dark"/"light"), and a style sheet to match."""
    theme = theme or os.environ.get("PHOTOSEARCH_THEME", "")
    app.setStyle("Fusion")
    if theme == "dark":
        palette = dark_palette()
    elif theme == "light":
        palette = app.style().standardPalette()
    else:
        palette = app.palette()  # the system's: light or dark as the desktop says
    if not is_dark(palette):
        palette.setColor(Role.Highlight, QColor(ACCENT))
        palette.setColor(Role.HighlightedText, QColor("#ffffff"))
    app.setPalette(palette)
    app.setStyleSheet(style_sheet(palette))
