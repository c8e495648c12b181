"""Bytes a page costs on the wire in Chromium, as `make bench` measures it.

    .venv/bin/python scripts/page_weight.py http://127.0.0.1:8000/map/

Prints the total (headers included, after compression), the number of
requests and each resource. Start the server first, with the static setup
you want to measure (`make run`, or gunicorn with production settings).
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import measure_page_weight  # noqa: E402

if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(json.dumps(measure_page_weight(sys.argv[1]), indent=1))
