"""One way to raise an alert (an SLA threshold, a service flipping state): a toast, and where the config asks
for them the terminal bell and a desktop notification."""

from __future__ import annotations

import os
from typing import Any

from textual.app import App
from textual.notifications import SeverityLevel

from screens.context import context_of
from tessa_tui.base.desktop_notify import notification_sequence


def raise_alert(
    app: App[Any], text: str, *, title: str, severity: SeverityLevel = "warning", timeout: float = 10
) -> None:
    app.notify(text, title=title, severity=severity, markup=False, timeout=timeout)
    context = context_of(app)
    if context is None:
        return
    settings = context.config.notifications
    if settings.bell:
        app.bell()
    driver = app._driver  # Textual writes its own OSC 52 the same way; there is no public API for OSC 9 / 777
    if settings.desktop and driver is not None and not app.is_headless:
        driver.write(notification_sequence(title, text.replace("\n", " · "), os.environ))
