"""Sanctions and watchlist entries, loaded from CSV files by `qianbao watchlist load`."""

from tortoise import fields
from tortoise.models import Model


class WatchlistEntry(Model):
    id = fields.BigIntField(primary_key=True)
    list_id = fields.CharField(max_length=64)
    name = fields.CharField(max_length=300)
    aliases = fields.JSONField(default=list)
    date_of_birth = fields.CharField(max_length=10, null=True)  # YYYY-MM-DD, or YYYY when only the year is known
    country = fields.CharField(max_length=2, null=True)
    loaded_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "watchlist_entry"
        indexes = (("list_id",),)
