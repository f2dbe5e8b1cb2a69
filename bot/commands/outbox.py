"""`ideabot outbox`: what the bot still owes Slack, and what Slack refused for good."""

from __future__ import annotations

from bot.config import Settings
from bot.domain.ideas import idea_ref
from models.store import Store


async def print_outbox(settings: Settings, *, show_all: bool = False) -> int:
    """Print the outbox; exit status 1 if any item failed for good."""
    store = Store.from_url(settings.database_url)
    try:
        await store.create_schema()
        states = ("pending", "failed", "sent") if show_all else ("pending", "failed")
        items = await store.outbox_items(states=states, limit=500)
        counts = await store.outbox_counts()
    finally:
        await store.close()
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("pending", "failed", "sent"))
    print(f"Outbox: {summary}")
    if not items:
        print("Nothing waiting: every message has reached Slack.")
    for item in items:
        target = idea_ref(item.idea_id) if item.idea_id else "-"
        when = item.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        detail = (
            f"next try {when}"
            if item.state == "pending"
            else (item.sent_at or item.created_at).strftime("%Y-%m-%d %H:%M:%S UTC")
        )
        error = f"  last error: {item.last_error}" if item.last_error else ""
        print(f"#{item.id:<6} {item.state:<8} {item.kind:<10} {target:<10} attempts {item.attempts:<3} {detail}{error}")
    return 1 if counts.get("failed") else 0
