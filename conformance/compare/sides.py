"""The two sides of ``lmsconf compare``: a profile's embedded simulator, a live target, or a saved capture.

A side is written ``PROFILE`` (the profile's simulator, served on loopback for the comparison), ``PROFILE=URL``
(a live target; credentials from the LMSCONF_* variables the profile needs, for side B from LMSCONF_B_* when any
LMSCONF_B_* variable is set) or the path of a capture file (``capture-a.json`` / ``capture-b.json`` that an
earlier compare wrote under ``--report-dir``/compare).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from conformance import profiles
from conformance.errors import ConfigError
from conformance.profiles import Profile
from conformance.target import Target, check_base_url, credentials_from_env, embedded

CAPTURE_FORMAT = "lmsconf-compare-capture/1"
B_PREFIX = "LMSCONF_B_"
SideKind = Literal["simulator", "live", "capture"]


@dataclass
class Side:
    label: str                      # "A" or "B"
    spec: str
    profile: Profile
    kind: SideKind
    url: str | None = None
    faults: tuple[str, ...] = ()
    capture: dict[str, Any] | None = field(default=None, repr=False)
    target: Target | None = field(default=None, repr=False)
    redact: Callable[[str], str] = field(default=str, repr=False)   # the side's client's redaction, once asked

    def describe(self) -> dict[str, Any]:
        shown = self.target.display_url if self.target is not None else (self.capture or {}).get("target")
        faults = (self.capture or {}).get("faults", []) if self.kind == "capture" else list(self.faults)
        return {"profile": self.profile.id, "source": self.kind, "target": shown, "faults": faults,
                **({"capture": self.spec} if self.kind == "capture" else {})}

    def stop(self) -> None:
        if self.target is not None:
            self.target.stop()


def env_for(label: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings side ``label`` reads: for B, LMSCONF_B_X read as LMSCONF_X when any LMSCONF_B_* is set."""
    env = dict(os.environ if env is None else env)
    if label != "B" or not any(k.startswith(B_PREFIX) for k in env):
        return env
    kept = {k: v for k, v in env.items() if not k.startswith("LMSCONF_")}
    kept.update({"LMSCONF_" + k[len(B_PREFIX):]: v for k, v in env.items() if k.startswith(B_PREFIX)})
    return kept


def load_capture(path: Path, label: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"side {label}: {path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"side {label}: {path}: not valid JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != CAPTURE_FORMAT \
            or not isinstance(document.get("operations"), dict) or not isinstance(document.get("profile"), str):
        raise ConfigError(f"side {label}: {path}: not a capture written by lmsconf compare ({CAPTURE_FORMAT})")
    return document


def parse(label: str, spec: str) -> Side:
    """Read one side argument; ConfigError (exit 2) names the side and what is wrong."""
    if not spec.strip():
        raise ConfigError(f"side {label}: empty (give PROFILE, PROFILE=URL or a capture file)")
    path = Path(spec)
    if path.suffix == ".json" or path.is_file():
        capture = load_capture(path, label)
        return Side(label, spec, _profile(label, capture["profile"]), "capture", capture=capture)
    name, sep, url = spec.partition("=")
    if sep:
        return Side(label, spec, _profile(label, name), "live", url=check_base_url(url, f"side {label} URL"))
    return Side(label, spec, _profile(label, name), "simulator")


def _profile(label: str, name: str) -> Profile:
    if name not in profiles.available() and not name.endswith(".toml"):
        raise ConfigError(f"side {label}: unknown profile {name!r} (one of {', '.join(profiles.available())}, "
                          "PROFILE=URL, or a capture .json file)")
    return profiles.load(name)


def assign_faults(sides: Sequence[Side], faults: Sequence[str]) -> None:
    """Give each --fault to the simulated side(s) whose profile commits it; one that fits none is refused."""
    from conformance.simulator.faults import ANY_PROFILE, FAULTS

    for name in faults:
        fault = FAULTS.get(name)
        if fault is None:
            raise ConfigError(f"--fault {name}: no such fault (see lmsconf simulate --list-faults)")
        fits = [s for s in sides if s.kind == "simulator" and fault.profile in (ANY_PROFILE, s.profile.id)]
        if not fits:
            raise ConfigError(f"--fault {name}: it bends {fault.profile}, which neither side simulates")
        for side in fits:
            side.faults += (name,)


def start(side: Side) -> None:
    """Start the side's simulator, or read its live target's credentials (nothing for a capture)."""
    if side.kind == "simulator":
        side.target = embedded(side.profile, faults=side.faults)
    elif side.kind == "live" and side.url is not None:
        creds = credentials_from_env(side.profile, env_for(side.label))
        side.target = Target(base_url=side.url, credentials=creds, embedded=False)
