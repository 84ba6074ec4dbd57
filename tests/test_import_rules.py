"""ARCHITECTURE.md section 1: imports only point down keys -> verifier -> issuers -> wallet.

Checked twice: at run time, by importing every module of a package in a fresh interpreter and looking at
``sys.modules``; and statically, by reading every import statement (lazy ones inside functions included).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEB_AND_SQL = ("flask", "flask_smorest", "werkzeug", "sqlalchemy", "alembic", "marshmallow", "webargs")
RULES = {
    "keys": ("wallet", "issuers", "verifier", *WEB_AND_SQL),
    "verifier": ("wallet", "issuers", "keys", *WEB_AND_SQL),
    "issuers": ("wallet", "flask", "flask_smorest", "werkzeug", "sqlalchemy", "alembic"),
    "wallet.holder": ("flask", "flask_smorest", "werkzeug", "sqlalchemy", "alembic", "issuers"),
}
# wallet/holder may use keys and verifier, but none of the server half of wallet/.
HOLDER_MAY_IMPORT_FROM_WALLET = ("wallet", "wallet.holder")

PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    if ".migrations" not in module.name:  # Alembic runs those scripts; they are not imported
        importlib.import_module(module.name)
print(json.dumps(sorted(sys.modules)))
"""


def _loaded_modules(package: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, package], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(result.stdout)


def _forbidden(names: list[str], banned: tuple[str, ...]) -> list[str]:
    return [name for name in names if name.split(".")[0] in banned or name in banned]


@pytest.mark.parametrize("package", sorted(RULES))
def test_importing_a_package_loads_nothing_it_must_not(package):
    loaded = _loaded_modules(package)

    assert _forbidden(loaded, RULES[package]) == []
    if package == "wallet.holder":
        server = [m for m in loaded if m.startswith("wallet.") and not m.startswith("wallet.holder")]
        assert server == []


def _imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", sorted(RULES))
def test_no_source_file_imports_what_its_package_must_not(package):
    folder = ROOT.joinpath(*package.split("."))
    offences = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in folder.rglob("*.py")
        for name in _imports_of(path)
        if name.split(".")[0] in RULES[package]
        or (
            package == "wallet.holder" and name.startswith("wallet.") and not name.startswith("wallet.holder")
        )
    ]

    assert offences == []


def test_the_probe_would_see_a_forbidden_import():
    """The check above is live: the wallet server does load Flask and SQLAlchemy."""
    loaded = _loaded_modules("wallet")

    assert _forbidden(loaded, ("flask", "sqlalchemy")) != []


def test_nothing_runs_at_import(tmp_path):
    """Importing every package creates no file and no database, wherever it is imported from."""
    code = "import keys, verifier, issuers, wallet.app, wallet.cli, wallet.holder"
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, env={"PYTHONPATH": str(ROOT)})

    assert list(tmp_path.iterdir()) == []


def test_credwallet_verify_loads_no_server_code(tmp_path):
    """``credwallet verify`` runs on a staff device: it must not pull in Flask, SQLAlchemy or the service."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from wallet.cli import main\n"
        "CliRunner().invoke(main, ['verify', '--help'])\n"
        "server = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'marshmallow')\n"
        "          or (m.startswith('wallet.') and m not in ('wallet.cli',))]\n"
        "print(server)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )

    assert result.stdout.strip() == "[]"
