"""Progress of long jobs (model build, indexing) as tqdm bars on stderr."""

from __future__ import annotations

from typing import Any


class TqdmProgress:
    """A `progress(done, total, stage)` callable that draws one tqdm bar per stage (on stderr)."""

    LABELS = {"parse": "解析文件", "tokenize": "分词", "embed": "计算向量"}

    def __init__(self, *, disable: bool = False) -> None:
        self._disable = disable
        self._bars: dict[str, Any] = {}

    def __call__(self, done: int, total: int, stage: str) -> None:
        from tqdm import tqdm

        if total <= 0:  # nothing to do in this stage: no bar
            return

        bar = self._bars.get(stage)
        if bar is None:
            bar = tqdm(total=total, desc=self.LABELS.get(stage, stage), unit="项", disable=self._disable, leave=False)
            self._bars[stage] = bar
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()
            self._bars.pop(stage, None)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()
