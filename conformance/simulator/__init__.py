"""Embedded simulator of each vendor API: Starlette over SQLite, seeded deterministically.

``Simulator(profile, faults=..., dataset=..., db=...)`` builds the app for a
profile (each vendor's dialect in ``conformance/vendors/<vendor>/simulator``); ``SimulatorServer``
runs it on a local port; ``serve`` runs it in the foreground for
``lmsconf simulate``; ``FAULTS`` lists the contract violations it can commit.
"""

from __future__ import annotations

from conformance.simulator.app import Simulator
from conformance.simulator.faults import FAULTS, Fault
from conformance.simulator.server import SimulatorServer, serve

__all__ = ["FAULTS", "Fault", "Simulator", "SimulatorServer", "serve"]
