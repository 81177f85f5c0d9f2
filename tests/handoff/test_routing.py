"""The pure parts of the handoff: working hours, routing, wait estimates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from handoff.hours import WorkingHours
from handoff.routing import (
    AgentSnapshot,
    Presence,
    RoutingRequest,
    anyone_on_shift,
    choose_agent,
    estimated_wait,
    next_opening,
)

# A Wednesday, 10:00 UTC.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)


def agent(agent_id: int, **overrides: object) -> AgentSnapshot:
    values: dict[str, object] = {
        "id": agent_id,
        "display_name": f"Agent {agent_id}",
        "presence": Presence.ONLINE,
        "capacity": 3,
        "active_threads": 0,
        "teams": frozenset({"care"}),
        "languages": frozenset({"en"}),
    }
    values.update(overrides)
    return AgentSnapshot(**values)  # type: ignore[arg-type]


class TestWorkingHours:
    def test_weekdays_in_a_time_zone(self) -> None:
        hours = WorkingHours.parse("Mon-Fri 09:00-17:00 America/New_York")
        assert not hours.is_open(NOW)  # 05:00 in New York
        assert hours.is_open(NOW + timedelta(hours=5))
        assert hours.next_opening(NOW) == datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)

    def test_the_weekend_waits_for_monday(self) -> None:
        saturday = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
        hours = WorkingHours.parse("mon-fri 09:00-18:00")
        assert hours.next_opening(saturday) == datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)

    def test_always(self) -> None:
        assert WorkingHours.parse("always").is_open(NOW)

    @pytest.mark.parametrize(
        ("spec", "error"),
        [
            ("weekdays", "is not like"),
            ("Mon-Fry 09:00-18:00", "days are written"),
            ("Mon-Fri 09:00-25:00", "is not a time of day"),
            ("Mon-Fri 09:00-18:00 Mars/Olympus", "unknown time zone"),
        ],
    )
    def test_mistakes_are_explained(self, spec: str, error: str) -> None:
        with pytest.raises(ValueError, match=error):
            WorkingHours.parse(spec)


class TestRouting:
    def test_never_offline_away_full_or_off_shift(self) -> None:
        agents = [
            agent(1, presence=Presence.OFFLINE),
            agent(2, presence=Presence.AWAY),
            agent(3, active_threads=3),
            agent(4, hours=WorkingHours.parse("Sat-Sun 09:00-17:00")),
        ]
        assert choose_agent(agents, RoutingRequest(), NOW) is None

    def test_least_loaded_then_longest_idle(self) -> None:
        agents = [
            agent(1, active_threads=2),
            agent(2, active_threads=1, last_assigned_at=NOW - timedelta(minutes=1)),
            agent(3, active_threads=1, last_assigned_at=NOW - timedelta(minutes=30)),
        ]
        chosen = choose_agent(agents, RoutingRequest(), NOW)
        assert chosen is not None and chosen.id == 3

    def test_load_is_relative_to_capacity(self) -> None:
        agents = [agent(1, capacity=2, active_threads=1), agent(2, capacity=10, active_threads=2)]
        chosen = choose_agent(agents, RoutingRequest(), NOW)
        assert chosen is not None and chosen.id == 2

    def test_the_language_is_required_when_the_team_speaks_it(self) -> None:
        agents = [
            agent(1, skills=frozenset({"returns"})),
            agent(2, languages=frozenset({"en", "de"})),
            agent(3, languages=frozenset({"de"}), skills=frozenset({"returns"}), active_threads=2),
        ]
        by_language = choose_agent(agents, RoutingRequest(language="de", topic="returns"), NOW)
        assert by_language is not None and by_language.id == 3
        nobody_speaks = choose_agent(agents, RoutingRequest(language="pt", topic="returns"), NOW)
        assert nobody_speaks is not None and nobody_speaks.id == 1  # anyone, rather than no one
        speakers_busy = [agent(1), agent(2, languages=frozenset({"es"}), active_threads=3)]
        assert choose_agent(speakers_busy, RoutingRequest(language="es"), NOW) is None
        excluded = RoutingRequest(language="es", exclude=frozenset({2}))  # the SLA's re-routing
        assert (
            choose_agent([agent(1), agent(2, languages=frozenset({"es"}))], excluded, NOW) is None
        )

    def test_the_queue_notices_use_the_same_rule(self) -> None:
        agents = [agent(1), agent(2, languages=frozenset({"es"}), presence=Presence.OFFLINE)]
        assert anyone_on_shift(agents, RoutingRequest(language="en"), NOW)
        assert not anyone_on_shift(agents, RoutingRequest(language="es"), NOW)  # unstaffed

    def test_a_team_without_the_language_still_gets_the_thread(self) -> None:
        agents = [agent(1, teams=frozenset({"billing"}), languages=frozenset({"es"})), agent(2)]
        chosen = choose_agent(agents, RoutingRequest(language="es", team="care"), NOW)
        assert chosen is not None and chosen.id == 2

    def test_team_and_exclusions_are_hard_limits(self) -> None:
        agents = [agent(1, teams=frozenset({"vip"})), agent(2)]
        assert choose_agent(agents, RoutingRequest(team="vip", exclude=frozenset({1})), NOW) is None

    def test_shift_and_next_opening(self) -> None:
        agents = [agent(1, hours=WorkingHours.parse("Thu-Fri 08:00-16:00"), active_threads=3)]
        assert not anyone_on_shift(agents, RoutingRequest(), NOW)
        assert next_opening(agents, RoutingRequest(), NOW) == datetime(
            2026, 11, 26, 8, 0, tzinfo=timezone.utc
        )

    def test_wait_estimate_shares_the_queue_among_agents(self) -> None:
        assert estimated_wait(1, 2, timedelta(minutes=6)) == timedelta(minutes=6)
        assert estimated_wait(5, 2, timedelta(minutes=6)) == timedelta(minutes=18)
        assert estimated_wait(3, 0, timedelta(minutes=6)) == timedelta(minutes=18)
