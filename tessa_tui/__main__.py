"""`python -m tessa_tui` runs the same CLI as the `tessa-tui` script."""

import sys

from tessa_tui.cli.main import main

sys.exit(main())
