"""What the deployment checks share: where the deployment files are, and which environment
variables the settings read (found by parsing their source), which both the compose file's
services and the Dockerfile's ENV are held against."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE_FILE = DOCKER / "compose.yaml"
DOCKERFILE = DOCKER / "Dockerfile"
ENV_EXAMPLE = DOCKER / ".env.example"
# settings.py first: a test reads the beat schedule's setting from it. casework/env.py holds
# the reads the settings share with the development launcher (DEBUG, CASEWORK_DATA_DIR).
SETTINGS_SOURCES = (
    ROOT / "casework" / "settings.py",
    ROOT / "casework" / "env.py",
    ROOT / "casework" / "gunicorn_conf.py",
)
SETTINGS_NAMES = ", ".join(path.relative_to(ROOT).as_posix() for path in SETTINGS_SOURCES)

# Read by the Python runtime, Django's entry points or the shell, not by our settings files.
RUNTIME_VARIABLES = frozenset(
    {"DJANGO_SETTINGS_MODULE", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PATH"}
)


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _reads_named_variable(func: ast.AST) -> bool:
    """Whether a call to `func` reads the environment variable named by its first argument."""
    if isinstance(func, ast.Name):
        return func.id in {"env_bool", "env_int"}
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr in {"get", "setdefault"}:
        return _is_os_environ(func.value)
    return func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os"


def names_read(source: str) -> set[str]:
    """Variable names read with a literal name: os.environ.get("X"), os.environ["X"],
    os.environ.setdefault("X", ...), os.getenv("X"), env_bool("X", ...), env_int("X", ...).
    Only real calls count; a name in a comment or an unrelated string does not."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        name_node: ast.AST | None = None
        if isinstance(node, ast.Call) and node.args and _reads_named_variable(node.func):
            name_node = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            name_node = node.slice
        if isinstance(name_node, ast.Constant) and isinstance(name_node.value, str):
            found.add(name_node.value)
    return found


def settings_variables() -> set[str]:
    names: set[str] = set()
    for path in SETTINGS_SOURCES:
        names |= names_read(path.read_text())
    return names
