"""services.enums hands the schema the storage enums themselves, and nothing else (no ORM rows)."""

from __future__ import annotations

import inspect
from enum import Enum

import models.enums
import services.enums


def test_every_exported_name_is_the_storage_enum_itself():
    for name in services.enums.__all__:
        exported = getattr(services.enums, name)
        assert exported is getattr(models.enums, name)
        assert inspect.isclass(exported) and issubclass(exported, Enum)


def test_no_orm_model_is_exported():
    from tortoise.models import Model

    for name in dir(services.enums):
        value = getattr(services.enums, name)
        assert not (inspect.isclass(value) and issubclass(value, Model)), name
