"""Request and response bodies of projects."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import StringConstraints

from atrium.kit.schemas import Input, Name, Output

Description = Annotated[str, StringConstraints(max_length=2000)]


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
