"""The layering stays true: edges → service → features/search/build/bench → store/ingest/embed → text.

Each module may import its own layer or the layers below, never above; the edges (bot/, scripts/)
use only the public names of `index` (index/__init__.py) — measuring tools listed below aside —
and nothing imports tests/ but tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Lower number = lower layer. models, errors, settings and resources are the foundation.
LAYERS = {
    "index.models": 0, "index.errors": 0, "index.settings": 0, "index.resources": 0, "index.text": 0,
    "index.store": 1, "index.ingest": 1, "index.embed": 1,
    "index.features": 2, "index.search": 2, "index.build": 2, "index.bench": 2,
    "index.service": 3, "index": 4,
}  # fmt: skip


def layer_of(module: str) -> int:
    parts = module.split(".")
    for size in range(len(parts), 0, -1):
        name = ".".join(parts[:size])
        if name in LAYERS:
            return LAYERS[name]
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return found


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", sources("index"), ids=lambda p: str(p.relative_to(ROOT)))
def test_index_modules_import_only_their_layer_or_below(path: Path) -> None:
    own = layer_of(module_name(path))
    upward = [
        f"line {line}: {name}"
        for name, line in imports(path)
        if (name == "index" or name.startswith("index.")) and layer_of(name) > own
    ]
    assert not upward, f"{module_name(path)} (layer {own}) imports from above: {upward}"


# Tools that measure or check the internals on purpose (benchmarks, the dev-set evaluation, the
# reliability scenarios that inspect an index after a kill): they may import below `index`.
MEASURING_TOOLS = (
    "scripts/bench.py", "scripts/bench_bot.py", "scripts/bench_embed.py", "scripts/bench_ocr.py",
    "scripts/build_model.py", "scripts/evaluate.py", "scripts/stress.py", "scripts/reliability/",
)  # fmt: skip


@pytest.mark.parametrize("path", sources("bot") + sources("scripts"), ids=lambda p: str(p.relative_to(ROOT)))
def test_edges_use_only_the_public_api_and_never_tests(path: Path) -> None:
    relative = str(path.relative_to(ROOT))
    tool = relative.startswith(MEASURING_TOOLS)
    bad = [
        f"line {line}: {name}"
        for name, line in imports(path)
        if name == "tests" or name.startswith("tests.") or (name.startswith("index.") and not tool)
    ]
    assert not bad, f"{relative} reaches past `index` (or into tests/): {bad}"


def test_no_import_cycles_between_index_modules() -> None:
    graph: dict[str, set[str]] = {}
    for path in sources("index"):
        name = module_name(path)
        graph[name] = {n for n, _ in imports(path) if n.startswith("index.") and n != name}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt]
                raise AssertionError("import cycle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [node])
