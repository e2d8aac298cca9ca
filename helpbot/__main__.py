"""``python -m helpbot``: the same as the ``helpbot`` command."""

import sys

from helpbot.cli import main

sys.exit(main())
