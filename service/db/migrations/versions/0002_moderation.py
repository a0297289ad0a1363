"""moderator UI: users, site assignments, login attempts, site word rules, UI indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 01:37:44.288573
"""
from alembic import op
import sqlalchemy as sa
import service.db.tables


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_key_time', ['username', 'ip', 'created_at'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', service.db.tables.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('site_rules',
    sa.Column('site_id', sa.String(length=32), nullable=False),
    sa.Column('banned_words', sa.JSON(), nullable=False),
    sa.Column('suspect_words', sa.JSON(), nullable=False),
    sa.Column('trusted_after', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('updated_at', service.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id')
    )
    op.create_table('user_sites',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'site_id')
    )
    with op.batch_alter_table('user_sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sites_site_id'), ['site_id'], unique=False)

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_ui_status_id', ['status', 'id'], unique=False)
        batch_op.create_index('ix_comments_ui_status_priority', ['status', 'priority', 'id'], unique=False)

    with op.batch_alter_table('moderation_actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_ui_actor', ['actor', 'id'], unique=False)
        batch_op.create_index('ix_actions_ui_time', ['created_at'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('moderation_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_ui_time')
        batch_op.drop_index('ix_actions_ui_actor')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_ui_status_priority')
        batch_op.drop_index('ix_comments_ui_status_id')

    with op.batch_alter_table('user_sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sites_site_id'))

    op.drop_table('user_sites')
    op.drop_table('site_rules')
    op.drop_table('users')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_key_time')

    op.drop_table('login_attempts')
    
