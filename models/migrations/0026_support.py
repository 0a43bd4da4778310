"""Support tickets, their messages and notes, and disputes (issue 16 parts 2 and 3)."""

from tortoise.migrations import operations as ops
from models.ids import uuid7
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from models.migration_base import SparingMigration

class Migration(SparingMigration):
    dependencies = [('models', '0025_help')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SupportTicket',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='support_tickets', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='support_tickets', on_delete=OnDelete.RESTRICT)),
                ('transaction', fields.ForeignKeyField('models.Transaction', source_field='transaction_id', null=True, db_constraint=True, to_field='id', related_name='support_tickets', on_delete=OnDelete.RESTRICT)),
                ('category', fields.CharField(max_length=16)),
                ('channel', fields.CharField(max_length=16)),
                ('subject', fields.CharField(max_length=200)),
                ('priority', fields.CharField(default='NORMAL', max_length=8)),
                ('status', fields.CharField(default='OPEN', max_length=24)),
                ('assignee', fields.ForeignKeyField('models.StaffUser', source_field='assignee_id', null=True, db_constraint=True, to_field='id', related_name='support_tickets', on_delete=OnDelete.RESTRICT)),
                ('first_response_due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('resolution_due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('first_responded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('next_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'support_ticket', 'app': 'models', 'indexes': [Index(fields=['partner_id', 'customer_id']), Index(fields=['next_due_at', 'id'])], 'pk_attr': 'id', 'table_description': "A customer's support ticket with its SLA clock (due times fixed at opening and on priority changes)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Dispute',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('ticket', fields.OneToOneField('models.SupportTicket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='dispute', on_delete=OnDelete.RESTRICT)),
                ('payment', fields.ForeignKeyField('models.Payment', source_field='payment_id', db_constraint=True, to_field='id', related_name='disputes', on_delete=OnDelete.RESTRICT)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='disputes', on_delete=OnDelete.RESTRICT)),
                ('merchant_partner', fields.ForeignKeyField('models.Partner', source_field='merchant_partner_id', db_constraint=True, to_field='id', related_name='merchant_disputes', on_delete=OnDelete.RESTRICT)),
                ('reason_code', fields.CharField(max_length=24)),
                ('status', fields.CharField(default='AWAITING_MERCHANT', max_length=24)),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('respond_by', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('evidence', fields.TextField(null=True, unique=False)),
                ('responded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('outcome', fields.CharField(null=True, max_length=16)),
                ('decided_by', fields.CharField(null=True, max_length=128)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('refund', fields.ForeignKeyField('models.Refund', source_field='refund_id', null=True, db_constraint=True, to_field='id', related_name='disputes', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'dispute', 'app': 'models', 'indexes': [Index(fields=['merchant_partner_id', 'status']), Index(fields=['partner_id', 'status'])], 'pk_attr': 'id', 'table_description': "A payer's dispute of a payment: one per ticket, the amount still refundable when it was opened."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SupportMessage',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid7, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.SupportTicket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.RESTRICT)),
                ('author', fields.CharField(max_length=16)),
                ('author_ref', fields.CharField(max_length=128)),
                ('internal', fields.BooleanField(default=False)),
                ('body', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'support_message', 'app': 'models', 'indexes': [Index(fields=['ticket_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "One message of a ticket's thread, or (internal) a staff note the partner and customer never see."},
            bases=['Model'],
        ),
    ]

