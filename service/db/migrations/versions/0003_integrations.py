"""integrations: connections, deliveries outbox, training labels

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 01:38:53.324044
"""
from alembic import op
import sqlalchemy as sa
import service.db.tables


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('integration_configs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.String(length=32), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('secrets_enc', sa.Text(), nullable=True),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('last_polled_at', service.db.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'platform', name='uq_integration_site_platform')
    )
    op.create_table('training_labels',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.String(length=32), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('dedupe_key', sa.String(length=128), nullable=False),
    sa.Column('label', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('lang', sa.String(length=16), nullable=True),
    sa.Column('created_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'dedupe_key', name='uq_training_labels_site_key')
    )
    with op.batch_alter_table('training_labels', schema=None) as batch_op:
        batch_op.create_index('ix_training_labels_site_source', ['site_id', 'source'], unique=False)

    op.create_table('integration_deliveries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.String(length=32), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=32), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', service.db.tables.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['moderation_actions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('action_id', 'target', name='uq_delivery_action_target')
    )
    with op.batch_alter_table('integration_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_deliveries_site_status', ['site_id', 'status', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('integration_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_site_status')
        batch_op.drop_index('ix_deliveries_due')

    op.drop_table('integration_deliveries')
    with op.batch_alter_table('training_labels', schema=None) as batch_op:
        batch_op.drop_index('ix_training_labels_site_source')

    op.drop_table('training_labels')
    op.drop_table('integration_configs')
