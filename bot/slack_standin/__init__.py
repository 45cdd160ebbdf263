"""A local stand-in of the Slack Web API: a real HTTP server holding a workspace's state.

Used by the end-to-end tests (point slack_sdk's `base_url` at `StandinServer.base_url`), by the
browser sandbox (`GET /_standin/state`) and by fault-injection tests (`SlackState.inject`,
`StandinServer.pause`/`resume`).
"""

from bot.slack_standin.methods import MODELLED_METHODS
from bot.slack_standin.models import VIOLATION_ERRORS, Call, Channel, Fault, SlackError, User
from bot.slack_standin.server import StandinServer
from bot.slack_standin.state import SlackState

__all__ = [
    "MODELLED_METHODS",
    "VIOLATION_ERRORS",
    "Call",
    "Channel",
    "Fault",
    "SlackError",
    "SlackState",
    "StandinServer",
    "User",
]
