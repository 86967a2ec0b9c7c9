"""A separate process for the registry kill test: promotes and rolls back in a loop until killed.

Run as a script: python registry_writer.py REGISTRY_ROOT (never imported by pytest)."""

import sys

from eval.registry import promote, rollback

root = sys.argv[1]
print("ready", flush=True)
while True:
    promote(root, "v0002", actor="writer", reason="loop")
    rollback(root, actor="writer", reason="loop")
