"""The simulated day's closing figures, from the server's store after the run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bot.reports import render
from bot.reports.filters import report_filter
from bot.reports.report import ReportSettings, build_report
from bot.store.database import create_engine
from bot.store.schema import messages

if TYPE_CHECKING:
    from bot.reports.simulation import SimulatedDay, SimulationPlan


async def signed_share(engine: Any) -> tuple[int, int]:
    """Agents' messages, and how many carry the agent's name for the customer."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.count(
                        sa.case((sa.cast(messages.c.payload, sa.Text).like('%"agent_name"%'), 1))
                    ),
                ).where(messages.c.author == "agent")
            )
        ).one()
    return int(row[0]), int(row[1])


def scaled(seconds: float | None, speed: float) -> float | None:
    """Real seconds of a compressed run as simulated seconds."""
    return None if seconds is None else seconds * speed


async def summarise(database: str, plan: SimulationPlan, day: SimulatedDay, output: Path) -> str:
    """Print-ready figures; the full report (in real seconds) goes to `output`."""
    engine = create_engine(database)
    try:
        settings = ReportSettings(sla_minutes=5 / plan.speed, handle_time_minutes=6 / plan.speed)
        built = await build_report(engine, report_filter(None, None), settings)
        agent_messages, signed = await signed_share(engine)
    finally:
        await engine.dispose()
    output.mkdir(parents=True, exist_ok=True)
    (output / "report.json").write_text(render.as_json(built))
    speed, volume, public = built["speed"], built["volume"], built["public"]["public"]
    to_human = speed["escalation_to_human"]
    answers = sorted(day.public_answers)
    slowest = answers[-1] if answers else None
    lines = [
        f"Simulated day: {plan.hours:g} h, {plan.agents} agents, {plan.rate:g} conversations/h "
        f"on average, {plan.speed:g}x; {day.sent} customer messages sent",
        f"  conversations            {volume['conversations']}",
        f"  containment              {render.percent(volume['containment'])}",
        f"  escalations              {volume['escalations']}",
        "  escalation to first human  p50 "
        f"{render.minutes(scaled(to_human['p50'], plan.speed))}, p90 "
        f"{render.minutes(scaled(to_human['p90'], plan.speed))} (simulated time, "
        f"n={to_human['count']})",
        f"  within the 5 min SLA     {render.percent(speed['within_sla_share'])}",
        f"  SLA breaches             {speed['sla_breaches']}",
        f"  unanswered escalations   {speed['escalations_unanswered']}",
        f"  agent messages signed    {signed} of {agent_messages} "
        f"({render.percent(signed / agent_messages if agent_messages else None)})",
        f"  public complaints        {public['escalations']}; answered in public "
        f"{public['answered_in_public']}, within 5 s {public['answered_in_public_within_5s']} "
        f"(slowest answer seen by a customer {render.minutes(slowest)}, real time); "
        f"with the private-chat link {day.public_with_link}",
        f"  moved to a private chat  {public['moved_to_private']} (needs Telegram's deep link; "
        "the REST channel cannot follow it)",
        f"  average rating           {built['satisfaction']['average']} "
        f"({built['satisfaction']['ratings']} ratings)",
        f"  bot answer time          {render.spread_text(speed['bot_answer'])} (real time)",
        f"Full report (real seconds): {output / 'report.json'}",
    ]
    text = "\n".join(lines) + "\n"
    (output / "summary.txt").write_text(text)
    return text
