"""The base class of every migration in models/migrations: Tortoise's, applied without needless state copies.

Tortoise's `Migration.apply` copies the whole migration state (every model class rebuilt: `State.clone`) before
each operation, so that the operation's `database_forward` can compare the state before it with the state after.
With about 80 models and 170 operations that copying was 60 % of migrating a new database: ~20 s of CPU for
`qianbao migrate` on a fresh file, paid again by every test that migrates a database of its own.

Most operations never look at the state before them. `apply` here copies it only for the others:

- CreateModel, AddField, AddIndex read only the state after them (the model as it now is). They are handed
  `NO_STATE_BEFORE`, which raises if read, so a Tortoise release that starts reading it fails loudly here
  instead of silently seeing the wrong state.
- RunSQL and RunPython (and the SQL operations of models/migration_ops) do not change the state: the state before
  them is the state after them, handed as is.
- Every other operation (AlterField and its subclasses, RenameField, RemoveIndex, ...) gets a copy, as in Tortoise.

Dry runs, SQL collection and rollbacks run Tortoise's own code unchanged.
"""

from __future__ import annotations

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state import State

# Operations whose database_forward reads only the state after them (checked against tortoise-orm 1.1.9's source).
_READ_ONLY_THE_STATE_AFTER = (ops.CreateModel, ops.AddField, ops.AddIndex)
# Operations that leave the state as it was: their state_forward does nothing (a subclass that overrides it may not).
_LEAVING_THE_STATE = (ops.RunSQL.state_forward, ops.RunPython.state_forward)


class _NoStateBefore:
    """Handed as the state before an operation that must not read it: any use is a loud error."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a migration operation read the state before it ({name}): add its type to the ones"
                             " models.migration_base copies the state for")


NO_STATE_BEFORE: Any = _NoStateBefore()


def state_before(operation: ops.Operation, state: State) -> Any:
    """What an operation is handed as the state before it: a copy only when it may read one (called before
    state_forward)."""
    if type(operation) in _READ_ONLY_THE_STATE_AFTER:  # exact types: a subclass may read more
        return NO_STATE_BEFORE
    if type(operation).state_forward in _LEAVING_THE_STATE:
        return state
    return state.clone()


class SparingMigration(migrations.Migration):
    """A Tortoise migration whose apply copies the migration state only for operations that read the state before
    them (the module docstring says which)."""

    async def apply(self, state: State, *, dry_run: bool = False, schema_editor: BaseSchemaEditor | None = None,
                    collect_sql: bool = False) -> State:
        """Apply the operations to the state and the database, as Tortoise does, copying the state less."""
        if dry_run or collect_sql or schema_editor is None:
            return await super().apply(state, dry_run=dry_run, schema_editor=schema_editor, collect_sql=collect_sql)
        supports_transactions = schema_editor.client.capabilities.supports_transactions
        for operation in self.operations:
            before = state_before(operation, state)
            operation.state_forward(self.app_label, state)
            await self._run_database_forward(operation, before, state, schema_editor, supports_transactions)
        state.validate_relations_initialized()
        return state
