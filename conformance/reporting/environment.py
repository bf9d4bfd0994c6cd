"""The report's environment: profile, target (its display URL, no credentials), versions, run id.

Each pytest session writes ``DIR/<profile>/environment.json``; ``lmsconf report`` merges every profile's
into one ``environment.properties`` (the file the Allure generator reads from a results directory), with
the profile's keys prefixed by its id when the report holds more than one profile.
"""

from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path

import conformance
from conformance.cleanup import new_run_id
from conformance.reporting.summary import ProfileSummary

ENVIRONMENT_FILE = "environment.json"


def run_id(given: str | None = None) -> str:
    """The run's id: the one given (`lmsconf run` gives all its sessions one) when it is a short word, else new."""
    return given if given and given.isalnum() and len(given) <= 32 else new_run_id()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    return {"lms-conformance": conformance.__version__, "python": platform.python_version(),
            "pytest": _version("pytest"), "allure-pytest": _version("allure-pytest"),
            "schemathesis": _version("schemathesis")}


def collect(summary: ProfileSummary, run: str) -> dict[str, str]:
    return {"profile": summary.profile, "target": summary.target or "not started", "run_id": run,
            **{f"version.{name}": value for name, value in versions().items()}}


def write(report_dir: Path, summary: ProfileSummary, run: str) -> Path:
    path = report_dir / summary.profile / ENVIRONMENT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(collect(summary, run), indent=2), encoding="utf-8")
    return path


def merged(report_dir: Path, profiles: list[str]) -> dict[str, str]:
    """One environment for the report: values every profile shares once, the others under ``<profile>.key``."""
    found: dict[str, dict[str, str]] = {}
    for name in profiles:
        try:
            data = json.loads((report_dir / name / ENVIRONMENT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            found[name] = {str(k): str(v) for k, v in data.items()}
    keys = sorted({k for data in found.values() for k in data})
    out: dict[str, str] = {"profiles": ", ".join(found)} if len(found) > 1 else {}
    for key in keys:
        values = {name: data[key] for name, data in found.items() if key in data}
        if len(set(values.values())) == 1 and len(values) == len(found):
            out[key] = next(iter(values.values()))
        elif key != "profile":
            out.update({f"{name}.{key}": value for name, value in values.items()})
    return out


def properties(values: dict[str, str]) -> str:
    """Java properties text, as Allure's environment.properties (keys are words, dots and dashes)."""
    def value(text: str) -> str:
        return text.replace("\\", "\\\\").replace("\n", "\\n")
    return "".join(f"{key}={value(text)}\n" for key, text in values.items())
