"""A child process for the crash scenarios: run one core operation, optionally SIGKILL itself at an
exact point of it — a crash at a reproducible moment of the real code, without mocking anything.

    python -m scripts.reliability.child reindex [--full] [--kill-at STAGE:N]
    python -m scripts.reliability.child add FILE [--kill-at STAGE:N]

Settings come from the environment (DATA_DIR, CORPUS_DIR, EMBEDDING_MODEL) as in scripts/reindex.py.
Every progress report is printed as "progress STAGE DONE TOTAL" (flushed), so a parent may also
kill the process from outside at a moment of its choosing. --kill-at STAGE:N sends SIGKILL to this
process when STAGE first reports done >= N (N "end": done == total). Prints "done" on success.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from index.service import PlanService  # noqa: E402
from index.settings import Settings  # noqa: E402


class Killer:
    """The progress callback: reports, and kills the process at the chosen point."""

    def __init__(self, kill_at: str | None) -> None:
        self.stage, _, self.count = (kill_at or "").partition(":")

    def __call__(self, done: int, total: int, stage: str) -> None:
        print(f"progress {stage} {done} {total}", flush=True)
        if stage != self.stage:
            return
        if (self.count == "end" and done >= total) or (self.count.isdigit() and done >= int(self.count)):
            os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("operation", choices=("reindex", "add"))
    parser.add_argument("file", nargs="?")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--kill-at")
    args = parser.parse_args(argv)
    service = PlanService(Settings.from_env())
    progress = Killer(args.kill_at)
    if args.operation == "reindex":
        service.reindex(full=args.full, progress=progress)
    else:
        service.add_file(Path(args.file), progress=progress)
    service.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
