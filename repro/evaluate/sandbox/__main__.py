"""``python -m repro.evaluate.sandbox``: print what this machine's sandbox can do.

Runs in the caller's process (as a scoring process P): it starts one runner and sandboxes one
``probe`` program, whose report (isolation level, features, uid, pid, network, writable paths,
limits) is printed as JSON."""

import json

from .pool import probe

if __name__ == "__main__":
    print(json.dumps(probe(), indent=2))
