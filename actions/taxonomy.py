"""The fixed vocabularies that the reply contract, the fact base and the NLU share."""

from __future__ import annotations

from enum import Enum


class Language(str, Enum):
    EN = "en"
    DE = "de"


class Region(str, Enum):
    UPPER_BACK = "upper_back"
    MIDDLE_BACK = "middle_back"
    LOWER_BACK = "lower_back"


class Topic(str, Enum):
    LOCATION = "location"
    CAUSES = "causes"
    SEE_DOCTOR = "see_doctor"
    EXERCISES = "exercises"
    TREATMENT = "treatment"
    PREVENTION = "prevention"
    DIAGNOSIS = "diagnosis"
    SMALLTALK = "smalltalk"
    OUT_OF_SCOPE = "out_of_scope"

    @property
    def is_health(self) -> bool:
        """Health topics carry medical statements and so always end with the disclaimer."""
        return self not in (Topic.SMALLTALK, Topic.OUT_OF_SCOPE)


HEALTH_TOPICS: tuple[Topic, ...] = tuple(t for t in Topic if t.is_health)
