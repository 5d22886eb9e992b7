"""Request and response bodies of projects."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from atrium.kit.schemas import Input, Name, Output, unstorable

Description = Annotated[str, StringConstraints(max_length=2000)]


def _storable(value: str) -> str:
    problem = unstorable(value, "name")
    if problem is not None:
        raise ValueError(problem)
    return value


# A query parameter is no request body, so `Input` does not check it: PostgreSQL cannot
# compare text with NUL in it, which must be a 422, not a 500.
NameSearch = Annotated[str, StringConstraints(max_length=200), AfterValidator(_storable)]


class ProjectCreate(Input):
    """A project: a name unique in the tenant, and an optional description."""

    name: Name
    description: Description | None = None


class ProjectUpdate(Input):
    """Changes to a project; `description: null` (or "") clears it."""

    name: Name | None = None
    description: Description | None = None


class ProjectPublic(Output):
    id: uuid.UUID
    name: str
    description: str | None
    created_by: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime
