"""Bring the index up to date with the corpus folder.

    python scripts/reindex.py           incremental: parse new/changed files, drop removed ones,
                                         embed only passages not embedded before by this model
    python scripts/reindex.py --full    rebuild everything (needed after changing EMBEDDING_MODEL)

Settings: DATA_DIR (default ./data), CORPUS_DIR (default ./corpus), EMBEDDING_MODEL.
A file that cannot be read is skipped with a message naming it; the rest is indexed.
Errors: one line on stderr, exit code 1 (2 for an internal error); never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402

from index import PlanService, QualityPlanError, Settings, TqdmProgress  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="重建或更新检索索引")
    parser.add_argument("--full", action="store_true", help="全部重建（更换模型后必须使用）")
    parser.add_argument("--quiet", action="store_true", help="不显示进度条")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    progress = TqdmProgress(disable=args.quiet)
    try:
        report = PlanService(settings).reindex(full=args.full, progress=progress)
    except QualityPlanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断：索引未更改", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug must still not print a traceback at a user
        print(f"错误：重建索引时发生内部错误（{type(exc).__name__}: {exc}）", file=sys.stderr)
        return 2
    finally:
        progress.close()
    for message in report.skipped:
        print(message, file=sys.stderr)
    for warning in report.warnings:
        print(f"警告：{warning}", file=sys.stderr)
    print(report.message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
