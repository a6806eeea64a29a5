"""The package's layout: no import circle between its modules at module
level, and the library never imports the experiments layer.

Read from the source (``ast``), so nothing is imported: an import inside a
function does not count (it runs on first use), nor does a package's
``__init__`` importing its own submodules (the package pattern). ``from
pkg import name`` is an edge to ``pkg.name`` where that is a module, else
to ``pkg``.
"""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _modules():
    found = {}
    for path in (ROOT / "keras_gans").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(path, modules):
    """The keras_gans modules ``path`` imports at module level."""
    edges = set()
    for node in ast.parse(path.read_text()).body:
        inner = (
            list(ast.walk(node)) if isinstance(node, (ast.If, ast.Try))
            else [node]
        )
        for n in inner:
            if isinstance(n, ast.Import):
                edges.update(a.name for a in n.names if a.name in modules)
            elif isinstance(n, ast.ImportFrom) and n.module in modules:
                subs = {f"{n.module}.{a.name}" for a in n.names}
                subs &= set(modules)
                edges |= subs
                if len(subs) < len(n.names):
                    edges.add(n.module)
    return edges


def _graph():
    modules = _modules()
    return {
        name: _imports(path, modules) - {name}
        for name, path in modules.items()
    }


def _cycle(graph):
    """One import circle as a list of modules, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                return stack[stack.index(dep):] + [dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_module_level_import_circle():
    graph = _graph()
    assert len(graph) > 50  # the scan found the package
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_circle_finder_finds_one():
    # The check above would pass on a finder that never reports.
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [
        "a", "b", "c", "a"
    ]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_library_never_imports_the_experiments_layer():
    graph = _graph()
    outside = {
        name: deps
        for name, deps in graph.items()
        if not name.startswith("keras_gans.experiments")
    }
    offenders = {
        name: sorted(d for d in deps if d.startswith("keras_gans.experiments"))
        for name, deps in outside.items()
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_no_library_module_is_over_600_lines():
    # A module that outgrows 600 lines has grown a second responsibility:
    # split it (the layout the README describes).
    lines = {
        name: len(path.read_text().splitlines())
        for name, path in _modules().items()
    }
    assert {name: n for name, n in lines.items() if n > 600} == {}
    assert max(lines.values()) > 400  # the files were read
