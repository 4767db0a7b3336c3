"""Every row lock in src/ locks only the row meant (docs/locking.md)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]  # src/cultuurkaart

# Services that change a row's key column (a unique value) take FOR UPDATE, not
# FOR NO KEY UPDATE; listed in docs/locking.md.
KEY_CHANGING = {
    ("schools", "approve_school", "School"),  # sets the unique school number
    ("memberships", "carry_out_deletion", "User"),  # rewrites the unique e-mail address
    ("memberships", "carry_out_deletion", "Membership"),  # rewrites the unique pass keys
    ("teaching", "update_group", "ClassGroup"),  # a rename changes the unique name
    ("teaching", "delete_group", "ClassGroup"),  # deletes the row
}


def _locks():
    for path in sorted(SRC.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            for node in ast.walk(func):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "select_for_update"
                ):
                    app = path.relative_to(SRC).parts[0]
                    yield app, func.name, f"{path.relative_to(SRC)}:{node.lineno}", node


def _keyword(node: ast.Call, name: str):
    for keyword in node.keywords:
        if keyword.arg == name:
            return ast.literal_eval(keyword.value)
    return None


def test_every_row_lock_names_its_own_rows_only():
    found = list(_locks())
    assert len(found) > 20  # the scan sees the services
    wrong = [where for _, _, where, node in found if _keyword(node, "of") != ("self",)]
    assert not wrong, f'lock with select_for_update(of=("self",), ...): {wrong}'


def test_row_locks_take_no_key_update_unless_the_key_changes():
    wrong = [
        where
        for app, func, where, node in _locks()
        if (_keyword(node, "no_key") is True)
        == ((app, func, ast.unparse(node.func.value).split(".")[0]) in KEY_CHANGING)
    ]
    assert not wrong, f"no_key=True unless the service changes a unique key: {wrong}"


def test_the_lock_order_document_names_every_locking_service():
    text = (SRC.parents[1] / "docs" / "locking.md").read_text()
    missing = sorted({func for _, func, _, _ in _locks() if f"`{func}`" not in text})
    assert not missing, f"add these services to docs/locking.md: {missing}"
