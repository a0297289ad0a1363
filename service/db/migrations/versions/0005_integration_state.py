"""platform_statuses (a comment's last known status on its platform: no-op write-backs) and
analyzed_texts (Perspective calls kept for learning, not queued)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 01:30:00
"""
from alembic import op
import sqlalchemy as sa
import service.db.tables


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('platform_statuses',
    sa.Column('site_id', sa.String(length=32), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('updated_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id', 'platform', 'external_id')
    )
    op.create_table('analyzed_texts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('lang', sa.String(length=16), nullable=True),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=True),
    sa.Column('created_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'text_hash', name='uq_analyzed_texts_site_hash')
    )
    op.create_index('ix_analyzed_texts_created', 'analyzed_texts', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_analyzed_texts_created', table_name='analyzed_texts')
    op.drop_table('analyzed_texts')
    op.drop_table('platform_statuses')
