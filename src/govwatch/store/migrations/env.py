"""Alembic environment: runs migrations on the connection govwatch hands over."""

from alembic import context
from sqlalchemy import create_engine

from govwatch.store.job_queue import outside_queue
from govwatch.store.tables import metadata

config = context.config
target_metadata = metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # command-line use: `alembic -x url=sqlite:///govwatch.db upgrade head`
        url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
        # No url given: create_engine raises ArgumentError ("Expected string or URL object, got None").
        with create_engine(url).connect() as conn:  # type: ignore[arg-type]
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True,
                              include_name=outside_queue)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      include_name=outside_queue)  # the job queue's tables (0013) are not in tables.py
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
