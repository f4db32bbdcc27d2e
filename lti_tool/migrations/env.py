"""Alembic environment: uses the engine handed over by lti_tool.migrate (no alembic.ini, no URL here)."""
from alembic import context

from lti_tool.models import all_metadata

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=all_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
