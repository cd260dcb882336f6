"""tessa-tui's engine: configuration, probes, journal and CLI; never imports textual."""

__version__ = "0.1.0"
