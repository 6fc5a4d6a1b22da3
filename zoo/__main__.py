"""Run the keras-zoo command line: ``python -m zoo``."""

import sys

from zoo._cli import main

sys.exit(main())
