"""Migration operations shared by several migrations (models/migrations): one definition each."""

from tortoise.migrations import operations as ops


def _on_postgres(state_editor) -> bool:  # noqa: ANN001 - Tortoise's schema editor
    return state_editor is not None and state_editor.client.capabilities.dialect == "postgres"


class AlterEnumDescription(ops.AlterField):
    """A CharEnumField whose enum gained a value: only its description (the value list) changes.

    PostgreSQL updates the column comment; SQLite would rebuild the whole
    table to change a comment (and lose its indexes on the way), so there the
    change is recorded in the migration state only. The column, its length
    and its data are untouched on both.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if _on_postgres(state_editor):
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if _on_postgres(state_editor):
            await super().database_backward(app_label, old_state, new_state, state_editor)


class PostgresOnlySQL(ops.RunSQL):
    """SQL for PostgreSQL only (SQLite has a single writer, where id order is already the commit order)."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if _on_postgres(state_editor):
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if _on_postgres(state_editor):
            await super().database_backward(app_label, old_state, new_state, state_editor)
