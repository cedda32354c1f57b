"""The Mgshop strategy set and its SOP (docs/environment.md).

The strategies are the assistant moves of MG-ShopDial (greeting, elicit, clarify, recommend,
explain, answer, open question, ...) arranged along its assistant checklist
(greetings, need, clarify, preferences, first-recommend, qa, search, second-recommend, end).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

STRATEGIES: tuple[str, ...] = (
    "greet",               # open the conversation
    "elicit_need",         # ask what the customer is looking for
    "elicit_preferences",  # ask for budget, requirements and preferences
    "clarify",             # restate what was understood and ask for confirmation
    "search",              # present a short list of matching catalogue results
    "recommend",           # recommend one item
    "explain",             # describe an item in detail
    "answer",              # answer the customer's pending question
    "open_question",       # invite questions ("anything you'd like to know?")
    "close",               # propose the purchase (add to basket)
    "end",                 # say goodbye
)
(GREET, ELICIT_NEED, ELICIT_PREFERENCES, CLARIFY, SEARCH, RECOMMEND, EXPLAIN, ANSWER,
 OPEN_QUESTION, CLOSE, END) = range(len(STRATEGIES))
ID = {name: i for i, name in enumerate(STRATEGIES)}
_AFTER_TASK = tuple(i in (OPEN_QUESTION, END) for i in range(len(STRATEGIES)))


def _view(state: Any) -> Any:
    """Attribute access to the public state, given the live object or ``info["state"]``."""
    return SimpleNamespace(**state) if isinstance(state, Mapping) else state


def sop_allows(state: Any, turn: int) -> tuple[bool, ...]:
    """The SOP mask: which strategies the procedure permits in the public ``state``.

    It forbids only moves that cannot make sense (greeting mid-dialogue, answering with no
    question pending, closing with no chosen item); ordering mistakes stay possible and are
    the customer's to punish.
    """
    st = _view(state)
    if st.task_done:
        return _AFTER_TASK
    has_item = st.candidate is not None
    return (
        not st.greeted and turn == 0,       # greet
        True,                               # elicit_need
        True,                               # elicit_preferences
        st.need_known,                      # clarify
        True,                               # search
        True,                               # recommend
        has_item or bool(st.shown),         # explain
        st.pending_question is not None,    # answer
        True,                               # open_question
        has_item,                           # close
        True,                               # end
    )


def sop_next(state: Any, turn: int) -> int:
    """The move the SOP prescribes next, from the public state only (the scripted expert).

    The customer's requests need no rule of their own: a request to clarify a detail is a
    pending question (ANSWER), and one for a recommendation (or a taste rejection) leaves the
    requirements told and no item chosen, where the next move is RECOMMEND.
    """
    st = _view(state)
    if st.pending_question is not None:
        return ANSWER
    if st.task_done:
        return END
    if not st.greeted and turn == 0:
        return GREET
    if not st.need_known:
        return ELICIT_NEED
    if not st.prefs_done:
        return ELICIT_PREFERENCES
    if st.candidate is None:
        return RECOMMEND
    if not st.questions_done:
        return OPEN_QUESTION
    return CLOSE
