"""Trade Assurance dispute deadlines, from the dates a buyer knows.

Conventions (the README quotes these):
- The opening day is day 1: "from the 4th day" is opened + 3 days and "the 31st day" is
  opened + 30 days.
- "Within N days" of an event ends on event + N days: respond to a proposal by
  proposal + 5 days; upload the return information by agreement + 15 days.
- Working-day rules (Monday to Friday; ``holidays`` as in helpbot.tools.calendar):
  the refund is processed within 3 working days of the agreement; the dispute team steps
  in within 3 working days of escalation; the refund is arranged within 7 working days
  after the seller confirms receipt of the returned goods.
- In-transit disputes can be escalated only once more than 25 days have passed since the
  delivery date: escalate_from = max(opened + 3, delivered + 26) and
  auto_escalation_on = max(opened + 30, delivered + 26). in_transit without delivered_on
  is an input error.
- Events cannot come before the dispute was opened, and the returned goods cannot be
  received before the agreement; either is an input error.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from helpbot.errors import ToolInputError
from helpbot.tools.calendar import working_calendar
from helpbot.tools.inputs import as_bool, as_date, as_optional_date, label

RULES = {
    "opened_on": "After the buyer submits a dispute, both parties have 3 to 30 days to "
                 "negotiate without the involvement of Ecokara.",
    "escalate_from": "The buyer can escalate the case and request Ecokara's assistance "
                     "from the 4th day onward.",
    "escalate_from_in_transit": "An 'In Transit' dispute can be escalated only once more "
                                "than 25 days have passed since the delivery date, and not "
                                "before the 4th day.",
    "auto_escalation_on": "Disputes still unresolved are escalated automatically on the "
                          "31st day after opening.",
    "auto_escalation_on_in_transit": "An 'In Transit' dispute is not escalated "
                                     "automatically until more than 25 days have passed "
                                     "since the delivery date, nor before the 31st day.",
    "respond_by": "Both parties need to respond to each other's proposal within 5 days, "
                  "otherwise the dispute is escalated (no reply from the supplier) or "
                  "cancelled (no reply from the buyer) automatically.",
    "return_info_due": "After reaching an agreement, arrange the return and upload the "
                       "return information within 15 days, or the case is cancelled "
                       "automatically.",
    "refund_processed_by": "Ecokara generally processes payments within 3 working days "
                           "once an agreement has been reached.",
    "team_steps_in_by": "The Ecokara dispute team steps in within 3 working days of "
                        "escalation, normally.",
    "refund_after_return_by": "After the return information is uploaded and the seller "
                              "confirms receipt, Ecokara arranges the payment within 7 "
                              "working days.",
}

EVENTS = {
    "opened_on": "Dispute opened (day 1)",
    "escalate_from": "Earliest day you can escalate the dispute",
    "respond_by": "Last day to respond to the proposal",
    "refund_processed_by": "Refund processed by (after the agreement)",
    "return_info_due": "Last day to upload the return information",
    "team_steps_in_by": "Dispute team steps in by",
    "refund_after_return_by": "Refund arranged by (after the returned goods arrive)",
    "auto_escalation_on": "Automatic escalation if still unresolved",
}


def dispute_deadlines(
    opened_on: Any,
    *,
    proposal_on: Any = None,
    agreement_on: Any = None,
    delivered_on: Any = None,
    in_transit: Any = False,
    escalated_on: Any = None,
    return_received_on: Any = None,
    holidays: Any = None,
) -> dict[str, Any]:
    """Every deadline the given dates determine, plus a dated timeline of them."""
    opened = as_date(opened_on, name="opened_on")
    proposal = as_optional_date(proposal_on, name="proposal_on")
    agreement = as_optional_date(agreement_on, name="agreement_on")
    delivered = as_optional_date(delivered_on, name="delivered_on")
    escalated = as_optional_date(escalated_on, name="escalated_on")
    returned = as_optional_date(return_received_on, name="return_received_on")
    transit = as_bool(in_transit, name="in_transit")
    calendar = working_calendar(holidays)
    _check_order(opened, proposal=proposal, agreement=agreement, escalated=escalated,
                 returned=returned)
    if transit and delivered is None:
        raise ToolInputError(
            "An 'In Transit' dispute needs the delivery date of the order: escalation waits until "
            "more than 25 days have passed since it. Give the delivery date (for example 2026-11-20).",
            field="delivered_on",
        )

    dates: dict[str, date] = {}
    rule_keys: dict[str, str] = {}
    notes: list[str] = []
    if transit and delivered is not None:
        dates["escalate_from"] = max(opened + timedelta(days=3), delivered + timedelta(days=26))
        dates["auto_escalation_on"] = max(
            opened + timedelta(days=30), delivered + timedelta(days=26))
        rule_keys["escalate_from"] = "escalate_from_in_transit"
        rule_keys["auto_escalation_on"] = "auto_escalation_on_in_transit"
    else:
        dates["escalate_from"] = opened + timedelta(days=3)
        dates["auto_escalation_on"] = opened + timedelta(days=30)
        if delivered is not None:
            notes.append("delivered_on changes the deadlines only for 'In Transit' "
                         "disputes; pass in_transit=True if that is the dispute type.")
    if proposal is not None:
        dates["respond_by"] = proposal + timedelta(days=5)
    if agreement is not None:
        dates["return_info_due"] = agreement + timedelta(days=15)
        dates["refund_processed_by"] = calendar.add(agreement, 3)
    if escalated is not None:
        dates["team_steps_in_by"] = calendar.add(escalated, 3)
    if returned is not None:
        dates["refund_after_return_by"] = calendar.add(returned, 7)
    notes.append("The opening day is day 1; 'within N days' of an event ends N days after it.")
    if any(key in dates for key in ("refund_processed_by", "team_steps_in_by",
                                    "refund_after_return_by")):
        notes.append(calendar.describe())

    rules = {key: RULES[rule_keys.get(key, key)] for key in dates}
    timeline = [{"date": opened.isoformat(), "event": EVENTS["opened_on"],
                 "rule": RULES["opened_on"]}]
    # Sorted by date; on the same date the EVENTS order (roughly the workflow) decides.
    order = list(EVENTS)
    for key in sorted(dates, key=lambda k: (dates[k], order.index(k))):
        timeline.append({"date": dates[key].isoformat(), "event": EVENTS[key],
                         "rule": rules[key]})
    return {
        "opened_on": opened.isoformat(),
        "in_transit": transit,
        **{key: dates[key].isoformat() for key in EVENTS if key in dates},
        "timeline": timeline,
        "rules": rules,
        "notes": notes,
    }


def _check_order(opened: date, *, proposal: date | None, agreement: date | None,
                 escalated: date | None, returned: date | None) -> None:
    """Refuse dates that cannot happen, naming both dates."""
    for name, value in (("proposal_on", proposal), ("agreement_on", agreement),
                        ("escalated_on", escalated), ("return_received_on", returned)):
        if value is not None and value < opened:
            raise ToolInputError(
                f"The {label(name)} ({value:%A} {value.day} {value:%B %Y}) is before the day the dispute was "
                f"opened ({opened:%A} {opened.day} {opened:%B %Y}); please check the dates.", field=name
            )
    if returned is not None and agreement is not None and returned < agreement:
        raise ToolInputError(
            f"The returned goods cannot be received ({returned:%A} {returned.day} {returned:%B %Y}) before the "
            f"agreement ({agreement:%A} {agreement.day} {agreement:%B %Y}): goods are returned after an "
            "agreement. Please check the dates.", field="return_received_on"
        )
