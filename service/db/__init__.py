"""The database layer: schema, engines and sessions, migrations, id limits, bulk writes.

Importing any `service.db` module registers every table on `Base.metadata` (the core
schema, the moderator UI's tables, the integrations' tables and per-site learning's), so migrations and the
schema check always see the whole schema.
"""
from . import auth_tables, integration_tables, site_model_tables, tables  # noqa: F401
from . import auth_tables, integration_tables, ops_tables, tables  # noqa: F401
