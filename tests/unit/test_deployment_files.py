"""The files a newcomer and an operator read stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ingest.settings import IngestSettings
from notifier.matching import fitted_model
from notifier.settings import NotifierSettings
from releasewatch.settings import RunSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = (IngestSettings, NotifierSettings, RunSettings)


def _variables_of(settings_class: type) -> set[str]:
    names = set()
    for name, _field in settings_class.model_fields.items():
        if name == "redis_url":
            names.add("REDIS_URL")
        else:
            names.add(f"RW_{name.upper()}")
    return names


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_readme_documents_every_configuration_variable_and_no_other() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE))
    read_by_code = set().union(*(_variables_of(settings) for settings in SETTINGS))
    assert documented == read_by_code


def test_the_fitted_match_thresholds_the_readme_quotes_are_the_shipped_ones() -> None:
    readme = (ROOT / "README.md").read_text()
    fitted = fitted_model().thresholds
    for variable, name in (
        ("RW_MATCH_AUTO_MIN_SCORE", "auto"),
        ("RW_MATCH_REVIEW_MIN_SCORE", "review"),
        ("RW_MATCH_MIN_MARGIN", "margin"),
    ):
        quoted = re.search(rf"^\| `{variable}` \| fitted \(`([0-9.]+)`\)", readme, flags=re.MULTILINE)
        assert quoted is not None, variable
        assert float(quoted.group(1)) == fitted[name], variable
    scale = re.search(r"^\| `RW_MATCH_SCALE_WITH_DETAINERS` \|.*?\(([0-9,]+)\)", readme, flags=re.MULTILINE)
    assert scale is not None
    assert int(scale.group(1).replace(",", "")) == fitted["detainers"]


def test_compose_runs_redis_7_with_append_only_persistence_and_a_healthcheck(compose: dict) -> None:
    redis = compose["services"]["redis"]
    assert redis["image"].startswith("redis:7")
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert "redis-cli" in redis["healthcheck"]["test"]
    assert any(volume.endswith(":/data") for volume in redis["volumes"])


@pytest.mark.parametrize(
    ("service", "module", "settings_class"),
    [("ingest", "ingest", IngestSettings), ("notifier", "notifier", NotifierSettings)],
)
def test_compose_builds_each_service_from_the_repository_against_that_redis(
    compose: dict, service: str, module: str, settings_class: type
) -> None:
    spec = compose["services"][service]
    assert spec["build"] == "."
    assert spec["command"] == ["python", "-m", module]
    assert spec["depends_on"]["redis"]["condition"] == "service_healthy"
    assert spec["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    unknown = set(spec["environment"]) - _variables_of(settings_class)
    assert not unknown, f"{service} is given variables it does not read: {unknown}"
    assert (ROOT / "services" / module / "__main__.py").is_file()


def test_dockerfile_installs_the_locked_project_without_dev_dependencies() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen --no-dev" in dockerfile
    assert "COPY pyproject.toml uv.lock" in dockerfile
    assert re.search(r"^USER (?!root)", dockerfile, flags=re.MULTILINE)


def test_compose_takes_keys_and_channel_settings_from_an_env_file_it_does_not_override(compose: dict) -> None:
    for service in ("ingest", "notifier"):
        spec = compose["services"][service]
        assert {"path": ".env", "required": False} in spec["env_file"]
        # `environment` would win over the file: keys and channels must come from the file alone
        assert not {"RW_API_KEYS", "RW_WEBHOOKS", "RW_EMAIL_RECIPIENTS", "RW_SMTP_HOST"} & set(spec["environment"])


def test_the_env_example_names_only_variables_that_something_reads() -> None:
    example = (ROOT / ".env.example").read_text()
    named = set(re.findall(r"^#? ?(RW_[A-Z_]+|REDIS_URL)=", example, flags=re.MULTILINE))
    compose_text = (ROOT / "docker-compose.yml").read_text()
    read_by_compose = set(re.findall(r"\$\{(RW_[A-Z_]+)", compose_text))
    read_by_code = set().union(*(_variables_of(settings) for settings in SETTINGS))

    assert {"RW_API_KEYS", "RW_WEBHOOKS", "RW_EMAIL_RECIPIENTS", "RW_SMTP_HOST"} <= named
    assert named <= read_by_code | read_by_compose, named - read_by_code - read_by_compose
    assert "releasewatch api-key" in example
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_compose_can_scale_the_notifier_no_replica_claims_a_fixed_host_port(compose: dict) -> None:
    notifier = compose["services"]["notifier"]

    for port in notifier.get("ports", []):
        assert isinstance(port, dict), "short syntax binds one host port: a second replica could not start"
        assert "published" not in port
    assert "container_name" not in notifier
    assert "RW_CONSUMER_NAME" not in notifier["environment"]  # each replica names itself
    assert "healthcheck" in notifier
