"""Block Kit builders: what a card, a thread reply, a DM, a modal's parts and App Home's
sections look like, in the reader's language. Pure functions of typed results (no Slack
client, no database), shared by the Slack handlers (`bot/handlers/`) and the scheduler's
outbox renderer (`bot/scheduler/outbox_render.py`)."""
