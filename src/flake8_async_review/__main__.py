"""``python -m flake8_async_review``: the ``flake8-async-review`` command."""

import sys

from .frontends.entry import main

sys.exit(main())
