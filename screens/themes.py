"""The console's themes, including a high-contrast one for projectors and colour-blind viewers."""

from __future__ import annotations

from textual.theme import Theme

TESSA_DARK = Theme(
    name="tessa-dark",
    primary="#4C9BE8",
    secondary="#2D5F8B",
    accent="#F2A33A",
    warning="#F2A33A",
    error="#E5484D",
    success="#46A758",
    foreground="#E6E6E6",
    background="#14161A",
    surface="#1C1F24",
    panel="#262A31",
    dark=True,
)

TESSA_LIGHT = Theme(
    name="tessa-light",
    primary="#1F5FA8",
    secondary="#4A6E94",
    accent="#B35C00",
    warning="#B35C00",
    error="#C0262D",
    success="#2B7A3D",
    foreground="#1A1A1A",
    background="#F7F7F5",
    surface="#EDEDEA",
    panel="#E0E0DC",
    dark=False,
)

# Pure black and white with saturated signal colours: legible on a washed-out war-room projector.
TESSA_HIGH_CONTRAST = Theme(
    name="tessa-high-contrast",
    primary="#FFFFFF",
    secondary="#FFFF00",
    accent="#FFFF00",
    warning="#FFB000",
    error="#FF4040",
    success="#00FF66",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    dark=True,
    luminosity_spread=0.05,
    text_alpha=1.0,
)

THEMES = (TESSA_DARK, TESSA_LIGHT, TESSA_HIGH_CONTRAST)
