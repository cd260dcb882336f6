"""tessa-tui's Textual UI: the App, its screens and widgets. Imports the engine; never the reverse."""
