"""`python -m bot` is `ideabot`."""

import sys

from bot.cli import main

# The guard matters: the delivery process (bot/delivery.py) starts by importing this module.
if __name__ == "__main__":
    sys.exit(main())
