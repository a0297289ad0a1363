"""per-site learning: site model versions, learning state, events

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-30 02:00:00
"""
from alembic import op
import sqlalchemy as sa
import service.db.tables


revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('site_model_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('global_version', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.Column('promoted_at', service.db.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('promoted_by', sa.String(length=255), nullable=True),
    sa.Column('retired_at', service.db.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('train_decisions', sa.Integer(), nullable=False),
    sa.Column('eval_decisions', sa.Integer(), nullable=False),
    sa.Column('trained_until', service.db.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('train_seconds', sa.Float(), nullable=False),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('evaluation', sa.JSON(), nullable=False),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('blob', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'seq', name='uq_site_model_seq'),
    sa.UniqueConstraint('version', name='uq_site_model_version')
    )
    with op.batch_alter_table('site_model_versions', schema=None) as batch_op:
        batch_op.create_index('ix_site_models_site_status', ['site_id', 'status'], unique=False)

    op.create_table('site_learning',
    sa.Column('site_id', sa.String(length=32), nullable=False),
    sa.Column('promote_mode', sa.String(length=16), nullable=False),
    sa.Column('every_n', sa.Integer(), nullable=True),
    sa.Column('live_version', sa.String(length=64), nullable=True),
    sa.Column('candidate_version', sa.String(length=64), nullable=True),
    sa.Column('labels_at_last_run', sa.Integer(), nullable=False),
    sa.Column('checked_at', service.db.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('new_labels', sa.Integer(), nullable=False),
    sa.Column('last_run_at', service.db.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_result', sa.JSON(), nullable=True),
    sa.Column('running_since', service.db.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id')
    )
    op.create_table('site_model_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=True),
    sa.Column('from_version', sa.String(length=64), nullable=True),
    sa.Column('to_version', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('created_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('site_model_events', schema=None) as batch_op:
        batch_op.create_index('ix_site_model_events_site', ['site_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('site_model_events', schema=None) as batch_op:
        batch_op.drop_index('ix_site_model_events_site')
    op.drop_table('site_model_events')
    op.drop_table('site_learning')
    with op.batch_alter_table('site_model_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_site_models_site_status')
    op.drop_table('site_model_versions')
