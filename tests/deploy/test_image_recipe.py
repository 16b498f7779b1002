"""The Dockerfile and compose.yaml say what the issue asks, read as files (Docker does not run
on the development machine; ``test_stack_as_processes.py`` runs the same commands)."""

from __future__ import annotations

import re
import subprocess
import tomllib

import yaml

from tests.deploy.conftest import REPO


def _wheel_sources() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    return set(wheel["packages"]) | set(wheel["force-include"])


def test_the_image_build_copies_every_package_the_wheel_is_built_from() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\S+) \./\1$", dockerfile, flags=re.MULTILINE))

    missing = _wheel_sources() - copied
    assert not missing, f"the Dockerfile does not COPY {sorted(missing)} into the build stage"


def test_the_final_image_runs_as_an_unprivileged_user_without_build_tools() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    runtime = dockerfile.split("AS runtime", 1)[1]

    assert re.search(r"^USER 10001", runtime, flags=re.MULTILINE)
    assert "tesseract-ocr-chi-sim" in runtime and "fonts-noto-cjk" in runtime
    for tool in ("build-essential", "gcc", "pip install", "uv "):
        assert tool not in runtime


def test_compose_runs_two_web_replicas_a_worker_with_metrics_and_the_stores() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]

    assert {"web", "worker", "postgres", "redis", "minio", "migrate", "proxy"} <= set(services)
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["worker"]["command"][:3] == ["worker", "--metrics-port", "9100"]
    assert "ports" not in services["worker"]  # the worker's /metrics has no token
    first_run = services["migrate"]["command"][0]
    assert "portal db upgrade" in first_run
    assert "FIRST ADMIN INVITATION" in first_run
    assert "portal staff add" in first_run
    script = first_run.replace("$$", "$")  # compose's escape for a literal $
    checked = subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True)
    assert checked.returncode == 0, checked.stderr
