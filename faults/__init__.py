"""`make faults`: fault injection on a private production-like stack (see run.py)."""
