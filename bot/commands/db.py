"""`ideabot db`: where the database schema stands, and upgrading it."""

from __future__ import annotations

from bot.config import Settings, redact_url
from models.schema import prepare_schema, schema_state
from models.store import Store


async def db_status(settings: Settings) -> int:
    """Print the schema's revision; exit status 1 when it needs `ideabot db upgrade`."""
    store = Store.from_url(settings.database_url)
    try:
        state = await schema_state(store)
    finally:
        await store.close()
    where = redact_url(settings.database_url)
    if state.empty:
        print(f"{where}: empty; ideabot creates its tables (revision {state.head}) when it starts.")
        return 0
    if state.up_to_date:
        print(f"{where}: up to date (revision {state.head}).")
        return 0
    found = f"revision {state.current}" if state.current else "ideabot 0.1, from before migrations"
    print(f"{where}: out of date ({found}; this ideabot needs revision {state.head}). Run `ideabot db upgrade`.")
    return 1


async def db_upgrade(settings: Settings) -> int:
    """Bring the schema to this ideabot's revision (creating it on an empty database)."""
    store = Store.from_url(settings.database_url)
    try:
        before = await schema_state(store)
        after = await prepare_schema(store, migrate=True)
    finally:
        await store.close()
    if before.up_to_date:
        print(f"Already up to date (revision {after.current}).")
    elif before.empty:
        print(f"Created ideabot's tables (revision {after.current}).")
    else:
        print(f"Upgraded from {before.current or 'ideabot 0.1'} to revision {after.current}.")
    return 0
