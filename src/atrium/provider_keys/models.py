from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from atrium.kit.models import Base, created_at_column


class ProviderKey(Base):
    __tablename__ = "provider_keys"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    provider: Mapped[str]
    base_url: Mapped[str | None]
    # Not a column: whether the tenant may reach private addresses, set by
    # `ProviderKeyService.tenant_keys` from the tenant's current switch when loaded.
    allow_private = False
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    key_hint: Mapped[str]
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[dt.datetime] = created_at_column()
