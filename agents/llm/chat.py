"""Chat-message renderings of gopo-bench dialogues, shared by export, the LLM Expert and GRPO.

One convention everywhere, so that data, training and use cannot drift (the chat analogue of
:mod:`agents.llm.prompts`):

* the **customer** is the ``user`` role; each user message is the customer's words, followed,
  when the domain exposes catalogue facts for that turn (``DomainEpisode.context()``), by a
  blank line and ``Shop facts:`` with one fact per line (:func:`agents.llm.prompts.facts_lines`);
* the **service** (CS Agent / monolithic writer) is the ``assistant`` role: one message per turn,
  the response text;
* the **Expert Agent** is the ``assistant`` role of its own rendering: one message per turn, the
  chosen strategy's name (the domain's strategy vocabulary, e.g. ``recommend``).

Messages are TRL's conversational format (``{"role": ..., "content": ...}``); a system message
opens each conversation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agents.llm.prompts import facts_lines

SERVICE_SYSTEM = ("You are the shop's customer-service assistant. Help the customer find and buy a "
                  "product that fits their need. Use only the facts listed under 'Shop facts'. Reply "
                  "with your next message only, on one line.")
"""System message of the service (writer) role."""

FACTS_HEADER = "Shop facts:"

Message = dict[str, str]


def expert_system(strategies: Sequence[str]) -> str:
    """System message of the Expert role: the task and the strategy vocabulary (in id order)."""
    return ("You are the Expert Agent of a shop's customer-service team: after each customer "
            "message, choose the assistant's next dialogue strategy. Answer with exactly one of: "
            + ", ".join(strategies) + ".")


def user_content(customer: str, context: Mapping[str, Any] | None = None) -> str:
    """The customer's words, plus the turn's catalogue facts when there are any."""
    facts = facts_lines(context or {})
    if not facts:
        return customer
    return customer + "\n\n" + FACTS_HEADER + "\n" + "\n".join(facts)


def service_messages(records: Sequence[Any], contexts: Sequence[Mapping[str, Any] | None] = (),
                     system: str | None = SERVICE_SYSTEM) -> list[Message]:
    """A transcript (``TurnRecord``-like: ``.customer``, ``.response``) as service-role messages.

    ``contexts[i]`` are the catalogue facts the writer saw *before* assistant turn ``i + 1``, i.e.
    after customer line ``i``; they are appended to that user message. Missing entries: no facts.
    """
    out: list[Message] = [{"role": "system", "content": system}] if system else []
    for i, rec in enumerate(records):
        if rec.turn:
            out.append({"role": "assistant", "content": rec.response or ""})
        ctx = contexts[i] if i < len(contexts) else None
        out.append({"role": "user", "content": user_content(rec.customer, ctx)})
    return out


def expert_messages(records: Sequence[Any], strategies: Sequence[str],
                    contexts: Sequence[Mapping[str, Any] | None] = ()) -> list[Message]:
    """A transcript as Expert-role messages: customer turns as ``user``, strategy names as ``assistant``.

    A record's ``strategy`` is its index in ``strategies``; an invalid one (lenient mode, text
    view) is rendered ``"none"``.
    """
    out: list[Message] = [{"role": "system", "content": expert_system(strategies)}]
    for i, rec in enumerate(records):
        if rec.turn:
            s = rec.strategy
            name = strategies[s] if s is not None and 0 <= s < len(strategies) else "none"
            out.append({"role": "assistant", "content": name})
        ctx = contexts[i] if i < len(contexts) else None
        out.append({"role": "user", "content": user_content(rec.customer, ctx)})
    return out
