"""One module per draft kind, each defining `KIND` (see drafts/kind.py)."""
