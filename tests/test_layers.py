"""Dependency direction (house style §3.1), checked from the source: lower rooms never reach up,
rooms on one floor never reach sideways, and no two rooms import each other, however indirectly.

A static check in the spirit of import-linter, without the extra dependency: every import in a
room's modules is read from its AST. A *room* is a top-level module or subpackage of
``tsunagu`` (``formats``, ``manifest``, ``webapp`` …).

Lazy imports inside functions count: they are how heavy libraries stay off ``tsunagu --help``,
not a way around the layering, and a lazy import still ties the two rooms together at run time
(a circle of lazy imports is still a circle). Imports under ``if TYPE_CHECKING:`` do not count:
they never run, and annotations may name a type from anywhere.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tsunagu"

#: room -> rooms and libraries its code must never import
FORBIDDEN = {
    "model": (
        "tsunagu.formats",
        "tsunagu.validators",
        "tsunagu.publisher",
        "tsunagu.webapp",
        "flask",
    ),
    "errors": ("tsunagu.formats", "tsunagu.validators", "tsunagu.publisher", "tsunagu.webapp"),
    "formats": ("tsunagu.publisher", "tsunagu.webapp", "tsunagu.catalogue", "flask", "folium"),
    "normalize": ("tsunagu.publisher", "tsunagu.webapp", "tsunagu.catalogue", "flask", "folium"),
    "geo": ("tsunagu.publisher", "tsunagu.webapp", "tsunagu.catalogue", "flask", "folium"),
    "validators": ("tsunagu.publisher", "tsunagu.webapp", "tsunagu.catalogue", "flask", "folium"),
    "catalogue": ("tsunagu.publisher", "tsunagu.webapp", "tsunagu.cli", "flask", "folium"),
    "publisher": ("tsunagu.webapp", "tsunagu.cli", "flask", "folium"),
    "maps": ("tsunagu.webapp", "tsunagu.cli", "tsunagu.publisher", "flask"),
    "indicators": ("tsunagu.webapp", "tsunagu.cli", "flask", "folium"),
    # the services floor: Flask-free and click-free, so both faces (and RQ workers) can use it
    "services": ("tsunagu.webapp", "tsunagu.cli", "flask", "click", "flask_babel", "werkzeug"),
    # the ground floor: read by formats, normalize, publisher, CLI and web, so it reads none of them
    **dict.fromkeys(
        ("standards", "manifest", "manifest_input", "typed_input", "vocabulary"),
        (
            "tsunagu.formats",
            "tsunagu.normalize",
            "tsunagu.geo",
            "tsunagu.validators",
            "tsunagu.catalogue",
            "tsunagu.publisher",
            "tsunagu.services",
            "tsunagu.maps",
            "tsunagu.webapp",
            "tsunagu.cli",
        ),
    ),
}


def _imports(path: Path, *, typing_only: bool = True) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved);
    ``typing_only=False`` leaves out the ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if not typing_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped.update(id(child) for part in node.body for child in ast.walk(part))
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = package if path.name == "__init__.py" else package[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            names.add(".".join([*base, *([node.module] if node.module else [])]))
    return names


def _room_files(room: str) -> list[Path]:
    single = PACKAGE / f"{room}.py"
    return [single] if single.exists() else sorted((PACKAGE / room).rglob("*.py"))


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_room_does_not_import_upwards(room):
    bad = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in _room_files(room)
        for name in _imports(path)
        for forbidden in FORBIDDEN[room]
        if name == forbidden or name.startswith(forbidden + ".")
    ]
    assert bad == []


def test_only_the_ckan_catalogue_imports_ckanapi():
    users = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(n == "ckanapi" or n.startswith("ckanapi.") for n in _imports(path))
    }
    assert users == {"catalogue/ckan.py"}


def test_validation_engine_and_fast_engine_do_not_import_each_other():
    """One way only: the engine runs ``fast/``; ``fast/`` reads the contract from ``check.py``."""
    fast = set().union(*(_imports(p) for p in (PACKAGE / "validators" / "fast").rglob("*.py")))
    assert "tsunagu.validators.engine" not in fast


def test_pipeline_steps_do_not_import_their_runner():
    steps = (PACKAGE / "publisher" / "steps").rglob("*.py")
    assert not [p.name for p in steps if "tsunagu.publisher.pipeline" in _imports(p)]


#: The floors, top first. A room may import rooms on lower floors only: never one above, never
#: one beside it on its own floor. Drawn from the services-floor sketch and the code as it is,
#: with three deliberate differences from the sketch: ``normalize`` sits above ``formats`` (it
#: works on the tables the readers produce and shares their formula-trigger table; no reader
#: needs it), ``indicators`` sits between the services and the publisher (it publishes its own
#: dataset and is read by the web app, the CLI and the services), and ``maps`` shares the
#: publisher's floor (both are read by the faces only).
FLOORS: tuple[tuple[str, ...], ...] = (
    ("__main__", "wsgi"),  # entry points
    ("cli",),  # `tsunagu serve` starts the web app, so the CLI sits above it
    ("webapp",),
    ("services",),
    ("indicators",),
    ("publisher", "maps"),
    ("validators",),
    ("normalize",),
    ("formats",),
    ("geo",),
    ("catalogue", "model"),
    ("manifest",),
    ("manifest_input", "standards"),
    ("config", "registry", "vocabulary", "identifiers"),
    ("typed_input",),
    ("errors",),
    ("messages", "texts"),  # message templates: read by errors.Problem, import nothing
)
_FLOOR = {room: level for level, rooms in enumerate(FLOORS) for room in rooms}


def _rooms() -> list[str]:
    found = [p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    found += [p.parent.name for p in PACKAGE.glob("*/__init__.py")]
    return sorted(found)


def _room_graph() -> dict[str, dict[str, list[str]]]:
    """room -> room it imports at run time -> the modules of the first room that do."""
    graph: dict[str, dict[str, list[str]]] = {}
    for room in _rooms():
        for path in _room_files(room):
            for name in _imports(path, typing_only=False):
                parts = name.split(".")
                if parts[0] != "tsunagu" or len(parts) < 2 or parts[1] == room:
                    continue
                where = str(path.relative_to(PACKAGE.parent))
                graph.setdefault(room, {}).setdefault(parts[1], []).append(f"{where}: {name}")
    return graph


def test_every_room_is_on_a_floor():
    assert set(_rooms()) == set(_FLOOR), "place a new room on a floor of FLOORS"


def test_rooms_import_only_rooms_on_lower_floors():
    """Upward reaches and sideways reaches (between rooms of one floor) are both refused."""
    bad = [
        f"{room} (floor {_FLOOR[room]}) -> {target} (floor {_FLOOR[target]}): {where[0]}"
        for room, targets in _room_graph().items()
        for target, where in targets.items()
        if _FLOOR[target] <= _FLOOR[room]
    ]
    assert bad == []


def _circles(graph: dict[str, dict[str, list[str]]]) -> list[str]:
    """Every circle a depth-first walk meets, as ``a (import) -> b (import) -> a``."""
    circles = []
    state: dict[str, str] = {}

    def visit(room: str, trail: list[str]) -> None:
        state[room] = "open"
        for target in sorted(graph.get(room, {})):
            if state.get(target) == "open":  # on the trail: back where it started
                circle = [*trail[trail.index(target) :], target]
                steps = itertools.pairwise(circle)
                circles.append(" -> ".join(f"{a} ({graph[a][b][0]})" for a, b in steps))
            elif target not in state:
                visit(target, [*trail, target])
        state[room] = "done"

    for room in sorted(graph):
        if room not in state:
            visit(room, [room])
    return circles


def test_no_import_circle_between_rooms():
    """Independent of the floors: a circle would make any floor order wrong, so it is named
    on its own (the rooms on it, and one import of each step)."""
    assert _circles(_room_graph()) == []


def test_the_circle_finder_names_a_lazy_circle():
    graph = {"a": {"b": ["a.py: tsunagu.b"]}, "b": {"c": ["b.py: tsunagu.c"]}}
    graph["c"] = {"a": ["c.py (inside a function): tsunagu.a"]}
    assert _circles(graph) == [
        "a (a.py: tsunagu.b) -> b (b.py: tsunagu.c) -> c (c.py (inside a function): tsunagu.a)"
    ]
