"""`python -m tessa_tui` runs the same CLI as the `tessa-tui` script."""

import sys

from tessa_tui.cli import main

sys.exit(main())
