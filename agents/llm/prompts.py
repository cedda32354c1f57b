"""The prompt formats of the LLM agents, in one place so that training and use cannot drift.

The tiny model is trained on exactly these strings (``agents/llm/tiny.py``) and the agents
send exactly these strings, to it or to any other model. They are plain text that an
instruction-tuned model reads as well: the recent dialogue, the catalogue facts the domain
exposes (``DomainEpisode.context()``), then what to write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

HEADER = "Shop dialogue. Write the assistant's next message."
CUSTOMER_HEADER = "Shop dialogue. Write the customer's next message, keeping its meaning."
ASSISTANT_CUE = "Assistant:"
CUSTOMER_CUE = "Customer:"

STRATEGY_HINTS: dict[str, str] = {
    "greet": 'open the conversation ("Hello and welcome!")',
    "elicit_need": 'ask what the customer is looking for ("What are you looking for today?")',
    "elicit_preferences": 'ask for budget and requirements ("Do you have a budget ...?")',
    "clarify": 'restate the need and ask for confirmation ("Just to confirm, ...?")',
    "search": 'present the matching items ("I searched our catalogue and found ...")',
    "recommend": 'recommend the first item ("I would recommend the ...")',
    "explain": 'describe the item under discussion ("Here are the details: ...")',
    "answer": 'answer the pending question ("To answer your question: ...")',
    "open_question": 'invite questions ("Do you have any questions about it?")',
    "close": 'propose the purchase ("Shall I add the ... to your basket?")',
    "end": 'say goodbye ("Thank you for shopping with us, goodbye!")',
}
"""What each Mgshop strategy asks for, with a phrase the domain parser recognises."""

Turn = tuple[str, str]
"""(speaker, text) with speaker ``"Customer"`` or ``"Assistant"``."""


def history_from_records(transcript: Sequence[Any]) -> list[Turn]:
    """(speaker, text) lines of a :class:`~gopo_env.core.dialogue.TurnRecord` transcript."""
    lines: list[Turn] = []
    for rec in transcript:
        if rec.turn:
            lines.append(("Assistant", rec.response or ""))
        lines.append(("Customer", rec.customer))
    return lines


def history_from_text(text: str) -> list[Turn]:
    """(speaker, text) lines of the text view's observation (``Customer: ...`` / ``Assistant: ...``)."""
    lines: list[Turn] = []
    for line in text.splitlines():
        speaker, sep, rest = line.partition(": ")
        if sep and speaker in ("Customer", "Assistant"):
            lines.append((speaker, rest))
        elif lines:  # a response that itself spanned lines
            lines[-1] = (lines[-1][0], lines[-1][1] + " " + line)
    return lines


def _item(card: Mapping[str, Any]) -> str:
    attrs = ", ".join(str(v) for v in card.get("attributes", {}).values())
    return f"{card['name']} | ${card['price']:.2f} | {card['rating']:.1f}/5 | {attrs}"


def facts_lines(context: Mapping[str, Any]) -> list[str]:
    """The catalogue facts of ``DomainEpisode.context()`` as short lines (none for an empty context)."""
    lines: list[str] = []
    need = context.get("need") or {}
    if need.get("kind"):
        bits = [str(need["kind"])]
        if need.get("max_price") is not None:
            bits.append(f"under ${need['max_price']:.0f}")
        bits.extend(str(v) for v in (need.get("attributes") or {}).values())
        if need.get("min_rating") is not None:
            bits.append(f"rated {need['min_rating']:.1f}+")
        lines.append("Need: " + ", ".join(bits))
    for card in context.get("candidates") or ():
        lines.append("Item: " + _item(card))
    if context.get("focus"):
        lines.append("Focus: " + _item(context["focus"]))
    if context.get("pending_question"):
        lines.append(f"Question: {context['pending_question']}")
    return lines


def service_prompt(history: Sequence[Turn], context: Mapping[str, Any], strategy: str | None = None,
                   history_lines: int = 3, feedback: str | None = None) -> str:
    """The prompt for the assistant's next message.

    With ``strategy`` it is the CS Agent's prompt (write *this* move); without, the monolithic
    agent's (decide and write). ``feedback`` explains why a previous attempt was rejected.
    """
    lines = [HEADER]
    lines.extend(f"{who}: {text}" for who, text in history[-history_lines:] if history_lines > 0)
    lines.extend(facts_lines(context))
    if strategy is not None:
        hint = STRATEGY_HINTS.get(strategy)
        lines.append(f"Strategy: {strategy}" + (f" - {hint}" if hint else ""))
    if feedback:
        lines.append(f"Rejected before: {feedback}")
    lines.append(ASSISTANT_CUE)
    return "\n".join(lines)


def customer_prompt(intent: str, polarity: int, gist: str, category: str | None = None) -> str:
    """The prompt for the customer's words, given the simulator's hidden act and its template text."""
    mood = {1: "pleased", -1: "unhappy"}.get(polarity, "neutral")
    lines = [CUSTOMER_HEADER]
    if category:
        lines.append(f"Shop: {category}")
    lines.append(f"Act: {intent}, {mood}")
    lines.append(f"Meaning: {gist}")
    lines.append(CUSTOMER_CUE)
    return "\n".join(lines)
