"""`slm-bot sandbox`: the bot with an embedded Slack stand-in and a Slack-like page.

One command, no Slack account, no network: `slm-bot sandbox [--port 3000] [--demo]`.
"""

from bot.sandbox.app import Sandbox, run_sandbox

__all__ = ["Sandbox", "run_sandbox"]
