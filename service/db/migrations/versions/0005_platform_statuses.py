"""platform_statuses: a comment's last known status on its platform (no-op write-backs)

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-30 01:30:00
"""
from alembic import op
import sqlalchemy as sa
import service.db.tables


revision = '0005'
down_revision = '0003'
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


def downgrade() -> None:
    op.drop_table('platform_statuses')
