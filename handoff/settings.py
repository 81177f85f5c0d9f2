"""Handoff settings, from `config/handoff.yml`: detection, agents, teams, routing, SLA.

Agents and teams live in the file (under version control, reviewed like code); what
changes by the minute (presence, load, tokens) lives in the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.config_files import parse_section, read_yaml
from core.errors import ConfigError
from handoff.detection.settings import DetectionSettings
from handoff.hours import WorkingHours

DEFAULT_HANDOFF_PATH = Path("config/handoff.yml")
# Agents answer customers, supervisors also oversee everyone, designers review what
# the bot missed (the review inbox) and never see customers' threads; managers read the
# care reports (bot/reports) and never see customers' messages.
ROLES = ("agent", "supervisor", "designer", "manager")


@dataclass(frozen=True)
class AgentSettings:
    """One person who answers customers."""

    login: str
    display_name: str
    role: str = "agent"
    teams: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: ["en"])
    skills: list[str] = field(default_factory=list)
    capacity: int = 3
    hours: str = "always"
    # The agent's own ids on messaging channels they work from, e.g. {telegram: "123456789"}.
    accounts: dict[str, str] = field(default_factory=dict)

    @property
    def working_hours(self) -> WorkingHours:
        """The parsed `hours`."""
        return WorkingHours.parse(self.hours)


@dataclass(frozen=True)
class TeamSettings:
    """A group of agents that threads can be routed or transferred to."""

    name: str
    topics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RoutingSettings:
    """How threads find agents."""

    default_team: str | None = None
    handle_time_minutes: float = 6.0
    public_channels_reply_publicly: bool = True
    # A queued customer who writes again reads their place in the queue, at most this often.
    queued_reply_every_seconds: float = 60.0


@dataclass(frozen=True)
class SlaSettings:
    """Service-level targets."""

    first_response_minutes: float = 5.0
    check_interval_seconds: float = 15.0


@dataclass(frozen=True)
class PresenceSettings:
    """When an agent stops counting as there (see `handoff.presence_rules`)."""

    heartbeat_seconds: float = 20.0  # how often the console says it is still open
    offline_after_seconds: float = 90.0  # nothing heard for this long: offline, threads re-queued
    check_interval_seconds: float = 15.0  # how often the sweep looks


@dataclass(frozen=True)
class ConsoleSettings:
    """Signing in: how long a session and an API token last, how many wrong passwords."""

    session_hours: float = 12.0
    token_days: float = 30.0  # an API token from `python -m bot agents token` lasts this long
    max_failed_sign_ins: int = 5  # per login, within 15 minutes, from every worker
    max_failed_sign_ins_per_address: int = 20  # per client address, within 15 minutes
    # Templates that speak as the bot, so not offered to agents as canned answers.
    canned_exclude: list[str] = field(
        default_factory=lambda: [
            "utter_iamabot",
            "utter_default",
            "utter_out_of_scope",
            "utter_complaint",
            "utter_request_human",
        ]
    )


@dataclass(frozen=True)
class HandoffSettings:
    """The whole handoff configuration."""

    detection: DetectionSettings = field(default_factory=DetectionSettings)
    agents: list[AgentSettings] = field(default_factory=list)
    teams: dict[str, TeamSettings] = field(default_factory=dict)
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    sla: SlaSettings = field(default_factory=SlaSettings)
    presence: PresenceSettings = field(default_factory=PresenceSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    source: str = "(defaults)"

    def agent(self, login: str) -> AgentSettings | None:
        """An agent by login name."""
        return next((agent for agent in self.agents if agent.login == login), None)


def load_handoff_settings(path: str | Path | None = None) -> HandoffSettings:
    """Read and check `config/handoff.yml` (defaults when it does not exist).

    An empty `path` means the built-in defaults too: a rasa project brought in with
    `--project DIR` and no `handoff.yml` of its own.

    Raises:
        ConfigError: A value is invalid, an agent's hours cannot be read, two agents
            share a login, or an agent names a team that is not defined.
    """
    if path == "" or (path is None and not DEFAULT_HANDOFF_PATH.exists()):
        return HandoffSettings()
    path = Path(path or DEFAULT_HANDOFF_PATH)
    source = str(path)
    data = read_yaml(path)
    settings = parse_section(HandoffSettings, {**data, "source": source}, source)
    _check(settings, source)
    return settings


def _check(settings: HandoffSettings, source: str) -> None:
    seen: set[str] = set()
    for index, agent in enumerate(settings.agents):
        key = f"agents[{index}]"
        if agent.login in seen:
            raise ConfigError(source, f"{key}.login", f"{agent.login!r} is used twice")
        seen.add(agent.login)
        if agent.role not in ROLES:
            raise ConfigError(source, f"{key}.role", f"must be one of {', '.join(ROLES)}")
        if agent.capacity < 1:
            raise ConfigError(source, f"{key}.capacity", "must be at least 1")
        try:
            agent.working_hours  # noqa: B018 - parsed here to fail at start-up
        except ValueError as error:
            raise ConfigError(source, f"{key}.hours", str(error)) from None
        for team in agent.teams:
            if team not in settings.teams:
                raise ConfigError(source, f"{key}.teams", f"team {team!r} is not under teams:")
    default = settings.routing.default_team
    if default is not None and default not in settings.teams:
        raise ConfigError(source, "routing.default_team", f"team {default!r} is not under teams:")
    if not 0 < settings.console.session_hours <= 24 * 30:
        raise ConfigError(source, "console.session_hours", "must be above 0 and at most 720")
    presence = settings.presence
    if not 0 < presence.heartbeat_seconds < presence.offline_after_seconds:
        raise ConfigError(
            source, "presence.offline_after_seconds", "must be above presence.heartbeat_seconds"
        )
    if presence.check_interval_seconds <= 0:
        raise ConfigError(source, "presence.check_interval_seconds", "must be above 0")
    if settings.console.max_failed_sign_ins < 1:
        raise ConfigError(source, "console.max_failed_sign_ins", "must be at least 1")
    if settings.console.max_failed_sign_ins_per_address < 1:
        raise ConfigError(source, "console.max_failed_sign_ins_per_address", "must be at least 1")
    if not 0 < settings.console.token_days <= 366:
        raise ConfigError(source, "console.token_days", "must be above 0 and at most 366")


def telegram_accounts(settings: HandoffSettings) -> dict[int, str]:
    """Agents' logins by their Telegram user id (`accounts: {telegram: ID}`).

    Raises:
        ConfigError: An agent's Telegram id is not a number.
    """
    logins = {}
    for index, agent in enumerate(settings.agents):
        account = agent.accounts.get("telegram")
        if account is None:
            continue
        if not str(account).strip().isdigit():
            key = f"agents[{index}].accounts.telegram"
            raise ConfigError(settings.source, key, "must be a Telegram user id (a number)")
        logins[int(str(account))] = agent.login
    return logins
