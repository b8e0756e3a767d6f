"""Urgency levels of the reply contract, from no concern to call the emergency number."""

from __future__ import annotations

from enum import Enum


class Urgency(str, Enum):
    NONE = "none"
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return list(Urgency).index(self)

    @staticmethod
    def highest(*levels: Urgency) -> Urgency:
        return max(levels, key=lambda level: level.rank, default=Urgency.NONE)
