"""A local stand-in for Slack: its Web API (`webapi`) and its requests to the app (`driver`).

Used by the tests, the benchmark and `ideabot demo`; it only ever listens on 127.0.0.1.
"""

from bot.standin.driver import SlackDriver, sign
from bot.standin.webapi import SlackWebAPIStandIn

__all__ = ["SlackDriver", "SlackWebAPIStandIn", "sign"]
