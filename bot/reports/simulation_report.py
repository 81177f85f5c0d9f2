"""The simulated day's closing figures, from the server's store after the run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from bot.reports import render
from bot.reports.filters import report_filter
from bot.reports.report import ReportSettings, build_report
from bot.store.database import create_engine
from bot.store.repository import as_utc
from bot.store.schema import messages
from core.clock import utcnow

if TYPE_CHECKING:
    from bot.reports.simulation import SimulatedDay, SimulationPlan


async def summarise(database: str, plan: SimulationPlan, day: SimulatedDay, output: Path) -> str:
    """Print-ready figures, in the server clock's time; the full report goes to `output`."""
    engine = create_engine(database)
    try:
        # The server's clock ran ahead of real time: "now" is the last moment it stamped.
        async with engine.connect() as conn:
            last = (await conn.execute(sa.select(sa.func.max(messages.c.created_at)))).scalar()
        settings = ReportSettings(clock=lambda: as_utc(last) if last else utcnow())
        built = await build_report(engine, report_filter(None, None), settings)
    finally:
        await engine.dispose()
    output.mkdir(parents=True, exist_ok=True)
    (output / "report.json").write_text(render.as_json(built))
    speed, volume, public = built["speed"], built["volume"], built["public"]["public"]
    to_human = speed["escalation_to_human"]
    waits = sorted(day.public_answers)
    within = sum(wait <= 5 for wait in waits)
    lines = [
        f"Simulated day: {plan.hours:g} h, {plan.agents} agents, {plan.rate:g} conversations/h "
        f"on average, the server's clock {plan.factor:g}x; {day.sent} customer messages sent "
        f"({day.retried} retried after a 503)",
        f"  conversations            {volume['conversations']}",
        f"  containment              {render.percent(volume['containment'])}",
        f"  escalations              {volume['escalations']}",
        "  escalation to first human  p50 "
        f"{render.minutes(to_human['p50'])}, p90 {render.minutes(to_human['p90'])} "
        f"(n={to_human['count']})",
        f"  within the 5 min SLA     {render.percent(speed['within_sla_share'])}",
        f"  SLA breaches             {speed['sla_breaches']}",
        f"  unanswered escalations   {speed['escalations_unanswered']}",
        f"  agent messages signed    {volume['agent_messages_signed']} of "
        f"{volume['agent_messages']} ({render.percent(volume['signed_share'])})",
        f"  public complaints        {public['escalations']}; answered in public "
        f"{public['answered_in_public']}, within 5 s {public['answered_in_public_within_5s']} "
        f"(on the clock); {len(waits)} customers waited p50 "
        f"{_ms(waits, 0.5)}, at most {_ms(waits, 1.0)} real time ({within} within 5 s); "
        f"the private-chat link in {day.public_with_link}",
        f"  moved to a private chat  {public['moved_to_private']} "
        f"({render.percent(public['moved_to_private_share'])}); "
        f"{day.followed_link} customers followed the link",
        f"  average rating           {built['satisfaction']['average']} "
        f"({built['satisfaction']['ratings']} ratings)",
        f"  bot answer time          {render.spread_text(speed['bot_answer'])}",
        f"Full report: {output / 'report.json'}",
    ]
    text = "\n".join(lines) + "\n"
    (output / "summary.txt").write_text(text)
    return text


def _ms(waits: list[float], share: float) -> str:
    """A quantile of real waits, in milliseconds."""
    if not waits:
        return "-"
    return f"{waits[min(len(waits) - 1, int(share * (len(waits) - 1)))] * 1000:.0f} ms"
