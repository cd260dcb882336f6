"""Desktop notifications: the right sequence for the terminal, and outside text that cannot end it early."""

from __future__ import annotations

from tessa_tui.base.desktop_notify import notification_sequence


def test_osc_777_or_9_by_terminal() -> None:
    assert notification_sequence("SLA", "INC-1 response 80%", {"TERM": "foot"}) == (
        "\x1b]777;notify;SLA;INC-1 response 80%\x07"
    )
    assert notification_sequence("SLA", "x", {"TERM_PROGRAM": "WezTerm"}).startswith("\x1b]777;notify;")
    assert notification_sequence("SLA", "x", {"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}) == (
        "\x1b]9;SLA: x\x07"
    )


def test_hostile_text_stays_inside_the_sequence() -> None:
    body = "api: up → down\x07\x1b]0;PWNED\x1b\\;notify;fake\x9b2J" + "x" * 500
    for environ in ({"TERM": "foot"}, {}):
        sequence = notification_sequence("Service\x07state;", body, environ)
        inner = sequence[2:-1]  # between ESC ] and the closing BEL
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in inner)
        assert sequence.count("\x07") == 1 and sequence.endswith("\x07")
        assert inner.count(";") == (3 if environ else 1)  # only the sequence's own separators
        assert len(sequence) < 300
