"""models.migration_base: which operations get a copy of the state before them, and that every migration uses it."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_generator.state import State

from models.migration_base import NO_STATE_BEFORE, SparingMigration, state_before
from models.migration_ops import AlterEnumDescription, PostgresOnlySQL

MIGRATIONS = Path(__file__).resolve().parents[2] / "models" / "migrations"


def test_every_migration_is_a_sparing_migration():
    names = sorted(p.stem for p in MIGRATIONS.glob("0*.py"))
    assert len(names) >= 42
    for name in names:
        module = importlib.import_module(f"models.migrations.{name}")
        assert issubclass(module.Migration, SparingMigration), f"{name}: class Migration(SparingMigration)"


@pytest.mark.parametrize("operation", [
    ops.CreateModel(name="Thing", fields=[("id", fields.IntField(primary_key=True))]),
    ops.AddField(model_name="Thing", name="size", field=fields.IntField(default=0)),
    ops.AddIndex(model_name="Thing", index=Index(fields=("size",))),
], ids=["CreateModel", "AddField", "AddIndex"])
def test_an_operation_reading_only_the_state_after_it_gets_none_before(operation):
    assert state_before(operation, State(models={}, apps=None)) is NO_STATE_BEFORE  # type: ignore[arg-type]


@pytest.mark.parametrize("operation", [
    ops.RunSQL("SELECT 1"), PostgresOnlySQL(["SELECT 1"], ["SELECT 1"]),
    ops.RunPython(lambda apps, editor: None),
], ids=["RunSQL", "PostgresOnlySQL", "RunPython"])
def test_an_operation_leaving_the_state_gets_the_state_itself(operation):
    state = State(models={}, apps=None)  # type: ignore[arg-type]
    assert state_before(operation, state) is state


class _CountedState(State):
    clones = 0

    def clone(self) -> State:
        _CountedState.clones += 1
        return self


@pytest.mark.parametrize("operation", [
    ops.AlterField(model_name="Thing", name="size", field=fields.IntField(default=1)),
    AlterEnumDescription(model_name="Thing", name="size", field=fields.IntField(default=1)),
    ops.RenameField(model_name="Thing", old_name="size", new_name="bulk"),
    ops.RemoveIndex(model_name="Thing", name="idx_thing_size"),
], ids=["AlterField", "AlterEnumDescription (a subclass)", "RenameField", "RemoveIndex"])
def test_any_other_operation_gets_a_copy(operation):
    state = _CountedState(models={}, apps=None)  # type: ignore[arg-type]
    before = _CountedState.clones
    assert state_before(operation, state) is state  # _CountedState's clone is itself
    assert _CountedState.clones == before + 1


def test_a_subclass_that_changes_the_state_gets_a_copy():
    class ChangingSQL(ops.RunSQL):
        def state_forward(self, app_label, state):  # noqa: ANN001
            state.models.clear()

    state = _CountedState(models={}, apps=None)  # type: ignore[arg-type]
    before = _CountedState.clones
    state_before(ChangingSQL("SELECT 1"), state)
    assert _CountedState.clones == before + 1


def test_reading_the_missing_state_before_is_a_loud_error():
    with pytest.raises(AssertionError, match="read the state before it"):
        NO_STATE_BEFORE.apps.get_model("models.Thing")
