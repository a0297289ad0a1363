"""per-author rules set from the moderator's card (trust / always hold), with their audit trail

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 04:40:00
"""
from alembic import op
import sqlalchemy as sa
import service.db.tables


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('author_rule_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.String(length=32), nullable=False),
    sa.Column('author_key', sa.String(length=64), nullable=False),
    sa.Column('author_name', sa.String(length=255), nullable=True),
    sa.Column('rule', sa.String(length=16), nullable=False),
    sa.Column('previous', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_author_rule_events_author', 'author_rule_events', ['site_id', 'author_key', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_author_rule_events_author', table_name='author_rule_events')
    op.drop_table('author_rule_events')
