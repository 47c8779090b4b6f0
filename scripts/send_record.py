"""Moved to connected/send_record.py (the one owner of the send record's format).

This re-export stays only because scripts/stats.py (owned by another change in flight)
still imports `scripts.send_record`; delete it once that import names connected.send_record.
"""

from connected.send_record import *  # noqa: F403
from connected.send_record import RecordError, load_record  # noqa: F401 - what stats.py imports
