"""Installs are pinned: `make` installs requirements-dev.lock and the image requirements.lock,
both written by `make lock` from pyproject.toml. A requirement added to pyproject.toml without
`make lock`, or a lock edited by hand out of step with the other, fails here (resolving again
needs the network, which the suite does not have)."""

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>\S+)"
    r"(?: ; (?P<marker>[^\\\n]*[^\\\s]))?(?P<hashed> \\\n\s+--hash=sha256:[0-9a-f]{64})?",
    re.MULTILINE,
)


def pins(lock: str) -> list[tuple[str, str, str | None, bool]]:
    """(name, version, marker, has a hash) for every pin of a lock file."""
    text = (ROOT / lock).read_text()
    return [
        (canonicalize_name(m["name"]), m["version"], m["marker"], bool(m["hashed"]))
        for m in PIN.finditer(text)
    ]


def project_requirements(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [
        r for extra in extras for r in project["optional-dependencies"][extra]
    ]
    return [Requirement(r) for r in declared]


def test_every_pin_is_exact_and_hash_checked():
    for lock in ("requirements.lock", "requirements-dev.lock"):
        found = pins(lock)
        assert len(found) > 50, f"{lock} is not a lock file any more"
        assert [p for p in found if not p[3]] == [], f"{lock} has pins without a hash"


def test_the_locks_hold_every_requirement_of_pyproject_at_an_allowed_version():
    for lock, extras in (("requirements.lock", ["s3"]), ("requirements-dev.lock", ["s3", "dev"])):
        locked: dict[str, list[str]] = {}
        for name, pinned, _, _ in pins(lock):
            locked.setdefault(name, []).append(pinned)
        for requirement in project_requirements(*extras):
            name = canonicalize_name(requirement.name)
            assert name in locked, f"{requirement} is not in {lock}: run `make lock`"
            for pinned in locked[name]:
                assert requirement.specifier.contains(pinned, prereleases=True), (
                    f"{lock} pins {name}=={pinned}, pyproject.toml asks {requirement}: "
                    "run `make lock`"
                )


def test_the_image_installs_the_same_versions_as_development_without_the_dev_tools():
    runtime = {(name, marker): pinned for name, pinned, marker, _ in pins("requirements.lock")}
    development = {
        (name, marker): pinned for name, pinned, marker, _ in pins("requirements-dev.lock")
    }

    assert {key: development.get(key) for key in runtime} == runtime
    for tool in ("pytest", "playwright", "ruff", "uv", "schemathesis"):
        assert tool not in {name for name, _ in runtime}, f"{tool} would ship in the image"


def test_this_environment_runs_exactly_the_locked_versions():
    """`make` installs the lock; a venv left on other versions tests something else."""
    wrong = {}
    for name, pinned, marker, _ in pins("requirements-dev.lock"):
        if marker and not Marker(marker).evaluate():
            continue
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            wrong[name] = (pinned, installed)
    assert wrong == {}, "run `make install` (locked, installed): " + repr(wrong)


def test_make_and_the_image_install_the_locks_and_the_project_without_resolving():
    makefile = (ROOT / "Makefile").read_text()
    stamp = re.search(r"^\$\(VENV\)/\.installed: (.*)$", makefile, re.MULTILINE)
    assert stamp and "requirements-dev.lock" in stamp[1].split()  # a new lock installs again
    assert "pip install -q --require-hashes -r requirements-dev.lock" in makefile
    assert "pip install -q --no-deps -e ." in makefile

    runs = " && ".join(re.findall(r"^RUN (.*)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE))
    installs = re.findall(r"pip install ([^&]*)", runs)
    assert len(installs) == 2, installs
    assert "--require-hashes -r requirements.lock" in installs[0]
    assert "--no-deps ." in installs[1]
