"""`python -m ideogram_facade.cli`: the same as the `ideogram-character` command."""

import sys

from ideogram_facade.cli import main

sys.exit(main())
