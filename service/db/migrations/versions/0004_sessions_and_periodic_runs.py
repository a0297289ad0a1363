"""server-side moderator sessions, per-IP login attempts index, periodic job runs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import service.db.base


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', service.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index('ix_user_sessions_user', 'user_sessions', ['user_id'], unique=False)
    op.create_index('ix_user_sessions_expiry', 'user_sessions', ['expires_at'], unique=False)
    op.create_index('ix_login_attempts_ip_time', 'login_attempts', ['ip', 'created_at'], unique=False)
    op.create_table('periodic_runs',
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('interval_s', sa.Float(), nullable=False),
    sa.Column('last_run_at', service.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_duration_s', sa.Float(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('job')
    )


def downgrade() -> None:
    op.drop_table('periodic_runs')
    op.drop_index('ix_login_attempts_ip_time', table_name='login_attempts')
    op.drop_index('ix_user_sessions_expiry', table_name='user_sessions')
    op.drop_index('ix_user_sessions_user', table_name='user_sessions')
    op.drop_table('user_sessions')
