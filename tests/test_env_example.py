"""`.env.example` names every variable the settings read, so a self-hoster can see them all in
one place; a variable added to contactcenter/settings.py without it fails here."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Read by something other than the settings, and where.
READ_ELSEWHERE = {
    "POSTGRES_PASSWORD": "docker-compose.yml",
    "AWS_ACCESS_KEY_ID": None,  # boto3, for the S3 media bucket
    "AWS_SECRET_ACCESS_KEY": None,
    "WEB_HOST": "Procfile",
    "WEB_PORT": "Procfile",
}


def read_by_settings() -> set[str]:
    """Every NAME of an env("NAME") or env.<cast>("NAME") call in the settings."""
    tree = ast.parse((ROOT / "contactcenter" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        is_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        if is_env:
            name = node.args[0]
            assert isinstance(name, ast.Constant), f"line {node.lineno}: a variable name"
            names.add(name.value)
    return names


def listed() -> list[str]:
    """The names of .env.example: set (`NAME=`) or shown with their default (`# NAME=`)."""
    text = (ROOT / ".env.example").read_text()
    return re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", text, re.MULTILINE)


def test_every_variable_the_settings_read_is_in_env_example():
    missing = read_by_settings() - set(listed())

    assert len(read_by_settings()) > 50  # the parse still finds the settings' reads
    assert missing == set(), f"add to .env.example, with a comment: {sorted(missing)}"


def test_env_example_names_nothing_that_nobody_reads_and_each_once():
    names = listed()
    unread = set(names) - read_by_settings() - set(READ_ELSEWHERE)

    assert unread == set(), f"no longer read: {sorted(unread)}"
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
    for name, where in READ_ELSEWHERE.items():
        if where:
            assert name in (ROOT / where).read_text(), f"{where} no longer reads {name}"
