from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

# The harness module lives beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

# The command line and the language server run by the tests keep their results cache
# apart from the user's.
if "FLAKE8_ASYNC_REVIEW_CACHE_DIR" not in os.environ:
    _CACHE = tempfile.mkdtemp(prefix="asr-test-cache-")
    os.environ["FLAKE8_ASYNC_REVIEW_CACHE_DIR"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
