"""requirements.lock, the lock file: complete, agreeing with pyproject.toml, and what this environment runs."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)$")


def canonical(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, str]:
    """The lock file's pins by canonical name; every line that is not a comment must be one."""
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = _PIN.match(line.strip())
        assert match, f"requirements.lock: not an exact pin: {line!r}"
        pins[canonical(match[1])] = match[2]
    return pins


def project_pins() -> dict[str, str]:
    """pyproject.toml's direct dependencies (runtime and test) by canonical name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["test"]]:
        match = re.match(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;#]+)", requirement)
        assert match, f"pyproject.toml: direct dependencies are pinned exactly: {requirement!r}"
        pins[canonical(match[1])] = match[2]
    return pins


def test_every_direct_dependency_is_locked_at_its_pin():
    pins, lock = project_pins(), locked()
    assert {name: lock.get(name) for name in pins} == pins


def test_every_requirement_of_a_locked_package_is_locked_too():
    # The lock is closed: pip resolving with it as constraints finds nothing left to choose.
    lock = locked()
    missing = set()
    for name in lock:
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            # Requirements of extras nobody asked for, or of other platforms and Pythons, are not installed.
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            if canonical(requirement.name) not in lock:
                missing.add(f"{name} needs {requirement.name}")
    assert missing == set()


def test_this_environment_runs_the_locked_versions():
    # CI installs with `-c requirements.lock`: a version drifting from the lock is caught here.
    installed = {canonical(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}
    lock = locked()
    assert {name: installed.get(name) for name in lock} == lock
