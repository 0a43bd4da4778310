"""The README's Docker and compose examples run as printed in production mode: the
environment they give the container (the Dockerfile's ENV, `docker run -e`, compose's
`environment:`, and what the README's own lines export) holds every variable production
mode requires (api.settings.PRODUCTION_REQUIRED_ENV), and passes `qianbao serve`'s
production checks."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from api.cli.serve import production_problem
from api.settings import PRODUCTION_REQUIRED_ENV, load_settings
from services.pii.master_key import forget_master_key

ROOT = Path(__file__).resolve().parents[2]
_COMPOSE_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?[?-](?P<rest>[^}]*))?\}")


def _docker_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("### Docker and compose")
    end = readme.find("\n## ", start)
    return readme[start : end if end != -1 else None]


def _shell_lines() -> list[str]:
    """Every command line of the section's ```sh blocks, in order."""
    blocks = re.findall(r"```sh\n(.*?)```", _docker_section(), flags=re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _shell_environment() -> dict[str, str]:
    """What the README's `export` lines leave in a shell that had no QIANBAO_* variable: run them."""
    exports = [line for line in _shell_lines() if line.startswith("export ")]
    assert exports, "the Docker section exports nothing"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANBAO_")}
    result = subprocess.run(
        ["bash", "-euc", "\n".join([*exports, "env -0"])], env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    pairs = [item.split("=", 1) for item in result.stdout.split("\0") if "=" in item]
    return {name: value for name, value in pairs if name.startswith("QIANBAO_")}


def _dockerfile_env() -> dict[str, str]:
    """The ENV of the Dockerfile's last stage (the image that runs)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    last_stage = text[text.rindex("\nFROM ") :]
    env: dict[str, str] = {}
    for line in last_stage.splitlines():
        if line.startswith("ENV "):
            for pair in shlex.split(line[4:]):
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def _dockerfile_cmd() -> list[str]:
    cmd = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD ")]
    return json.loads(cmd[-1][4:])


def _docker_run_env(shell: dict[str, str]) -> dict[str, str]:
    """The container's environment for the README's `docker run` line."""
    runs = [line for line in _shell_lines() if "docker run " in line]
    assert len(runs) == 1, runs
    words = shlex.split(runs[0].split("docker run ", 1)[1])
    env = _dockerfile_env()
    for flag, value in zip(words, [*words[1:], ""]):
        assert flag not in ("--env-file",), "check --env-file by hand"
        if flag in ("-e", "--env"):
            name, has_value, given = value.partition("=")
            if has_value:
                env[name] = given
            elif name in shell:  # `-e NAME`: the shell's value, if the shell has one
                env[name] = shell[name]
    return env


def _compose_env(shell: dict[str, str]) -> dict[str, str]:
    """The api service's environment, its ${...} references resolved against the README's shell."""
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    environment = compose["services"]["api"].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    env = _dockerfile_env()

    def resolve(match: re.Match) -> str:
        name = match.group("name")
        if name in shell:
            return shell[name]
        if ":?" in match.group(0) or "?" in match.group(0):
            pytest.fail(f"compose.yaml needs {name}, which the README's shell lines do not export")
        return match.group("rest") or ""

    for name, value in environment.items():
        env[name] = _COMPOSE_VARIABLE.sub(resolve, str(value))
    return env


@pytest.fixture
def isolated_environment(monkeypatch):
    """Run with only the given QIANBAO_* variables; forget the cached master key around it."""
    def apply(env: dict[str, str]) -> None:
        for name in [n for n in os.environ if n.startswith("QIANBAO_")]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        forget_master_key()

    yield apply
    forget_master_key()


def test_the_image_runs_qianbao_serve_in_production_mode():
    assert _dockerfile_env().get("QIANBAO_ENV") == "production"
    assert _dockerfile_cmd()[:2] == ["qianbao", "serve"]


def test_the_readme_exports_a_master_key_that_production_accepts():
    shell = _shell_environment()
    assert set(PRODUCTION_REQUIRED_ENV) <= set(shell), (PRODUCTION_REQUIRED_ENV, sorted(shell))
    assert _shell_environment() != shell, "each run without a key makes a new one"


def test_the_readme_export_line_keeps_a_key_already_set():
    exports = [line for line in _shell_lines() if line.startswith("export QIANBAO_MASTER_KEY")]
    preset = "cWlhbmJhby10ZXN0LW1hc3Rlci1rZXktMzItYnl0ZSE="
    result = subprocess.run(
        ["bash", "-euc", "\n".join([*exports, 'printf %s "$QIANBAO_MASTER_KEY"'])],
        env={**os.environ, "QIANBAO_MASTER_KEY": preset}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0 and result.stdout == preset, result


@pytest.mark.parametrize("example", ["docker run", "docker compose"])
def test_the_example_gives_production_everything_it_requires(example, isolated_environment):
    shell = _shell_environment()
    env = _docker_run_env(shell) if example == "docker run" else _compose_env(shell)
    assert env.get("QIANBAO_ENV") == "production", env
    missing = [name for name in PRODUCTION_REQUIRED_ENV if not env.get(name, "").strip()]
    assert not missing, f"the README's {example} example does not set {missing}"

    isolated_environment(env)
    assert load_settings().production
    assert production_problem() is None


@pytest.mark.parametrize("required", PRODUCTION_REQUIRED_ENV)
def test_serve_refuses_production_without_each_required_variable(required, isolated_environment):
    env = _docker_run_env(_shell_environment())
    env.pop(required)
    isolated_environment(env)
    problem = production_problem()
    assert problem is not None and required in problem, problem
