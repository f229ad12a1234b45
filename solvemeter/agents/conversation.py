"""The conversation both agents keep: what is sent to the model, bounded, and how it is recorded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.graph import END, START, StateGraph

from solvemeter.agents.base import AgentResult, EpisodeContext, EpisodeMeter
from solvemeter.agents.client import ChatClient, Completion, ContextLengthExceeded, EndpointRefused
from solvemeter.runs.records import StopReason
from solvemeter.runs.trajectory import Message, ToolCall, truncate

MAX_PROMPT_CHARS = 24_000
"""About 6k tokens: what a small local model's context holds with room to reply. Old turns are dropped first."""
MAX_INVALID_IN_A_ROW = 3
HEAD_SHARE = 0.75
"""At most this share of the window goes to the system prompt and the task statement."""
MIN_TURN_CHARS = 1000
"""What is always shown of the latest observation, even when the window is already full."""


def constants() -> dict[str, int | float]:
    """The conversation's limits, for the agent's config hash."""
    return {
        "max_prompt_chars": MAX_PROMPT_CHARS,
        "max_invalid_in_a_row": MAX_INVALID_IN_A_ROW,
        "head_share": HEAD_SHARE,
        "min_turn_chars": MIN_TURN_CHARS,
    }


def _size(message: BaseMessage) -> int:
    return len(str(message.content)) + 200 * len(getattr(message, "tool_calls", None) or [])


def _cut(message: BaseMessage, limit: int) -> BaseMessage:
    content = str(message.content)
    return message if len(content) <= limit else message.model_copy(update={"content": truncate(content, limit)})


def _role(message: BaseMessage) -> str:
    return {SystemMessage: "system", HumanMessage: "user", AIMessage: "assistant", ToolMessage: "tool"}.get(
        type(message), "user"
    )


def record(messages: list[BaseMessage]) -> list[Message]:
    return [Message(role=_role(m), content=str(m.content)) for m in messages]  # type: ignore[arg-type]


@dataclass
class Conversation:
    """The full history, the window of it the model sees, and the messages not yet recorded in a step."""

    head: list[BaseMessage]
    turns: list[BaseMessage] = field(default_factory=list)
    unrecorded: list[BaseMessage] = field(default_factory=list)
    invalid_in_a_row: int = 0

    def __post_init__(self) -> None:
        # A task statement bigger than most of the window is cut (visibly), or no turn would ever fit beside it.
        self.head = [_cut(m, int(HEAD_SHARE * MAX_PROMPT_CHARS) // len(self.head)) for m in self.head]
        self.unrecorded = list(self.head)

    def add(self, *messages: BaseMessage) -> None:
        self.turns.extend(messages)
        if not isinstance(messages[0], AIMessage):
            self.unrecorded.extend(messages)

    def window(self) -> list[BaseMessage]:
        """The system prompt and task, the latest exchange (the model's last reply and what answered it), then as
        many earlier turns as fit; never starts on a tool reply. A latest exchange too big for the window is cut
        with a visible marker, never dropped whole."""
        room = MAX_PROMPT_CHARS - sum(_size(m) for m in self.head)
        last_reply = max((i for i, m in enumerate(self.turns) if isinstance(m, AIMessage)), default=0)
        latest = self.turns[last_reply:]
        if sum(_size(m) for m in latest) > room:
            answers = [m for m in latest if not isinstance(m, AIMessage)]
            share = max(
                MIN_TURN_CHARS,
                (room - sum(_size(m) for m in latest if isinstance(m, AIMessage))) // max(1, len(answers)),
            )
            latest = [m if isinstance(m, AIMessage) else _cut(m, share) for m in latest]
        room -= sum(_size(m) for m in latest)
        kept: list[BaseMessage] = []
        for message in reversed(self.turns[:last_reply]):
            room -= _size(message)
            if room < 0:
                break
            kept.append(message)
        kept.reverse()
        while kept and isinstance(kept[0], ToolMessage | HumanMessage) and len(kept) < last_reply:
            kept.pop(0)
        return [*self.head, *kept, *latest]

    def take_unrecorded(self) -> list[Message]:
        taken, self.unrecorded = record(self.unrecorded), []
        return taken


async def call_model(
    client: ChatClient, conversation: Conversation, meter: EpisodeMeter, tools: list[dict] | None = None
) -> Completion | AgentResult:
    """One model call, unless a budget says stop first. A refused request ends the episode as the agent's own
    outcome; the endpoint's own failures (EndpointError) propagate and end it as infra_error."""
    if (reason := meter.exhausted()) is not None:
        return AgentResult(reason)
    try:
        return await client.complete(conversation.window(), tools)
    except ContextLengthExceeded as exc:
        return AgentResult(StopReason.CONTEXT_LENGTH, error=str(exc))
    except EndpointRefused as exc:
        return AgentResult(StopReason.AGENT_ERROR, error=str(exc))


def invalid(conversation: Conversation, why: str) -> AgentResult | None:
    """Count a reply with no usable action; too many in a row end the episode as agent_error."""
    conversation.invalid_in_a_row += 1
    if conversation.invalid_in_a_row >= MAX_INVALID_IN_A_ROW:
        return AgentResult(StopReason.AGENT_ERROR, error=f"{MAX_INVALID_IN_A_ROW} unusable replies in a row: {why}")
    return None


def record_step(
    ctx: EpisodeContext, conversation: Conversation, reply: Completion, calls: tuple[ToolCall, ...] = (), **kw: Any
) -> None:
    """One model call and what came of it, with the messages the model saw for the first time."""
    ctx.meter.record_step(
        conversation.take_unrecorded(),
        reply.text,
        input_tokens=reply.input_tokens,
        cached_input_tokens=reply.cached_input_tokens,
        output_tokens=reply.output_tokens,
        latency_s=reply.latency_s,
        ttft_s=reply.ttft_s,
        generation_s=reply.generation_s,
        usage_reported=reply.usage_reported,
        tool_calls=calls,
        **kw,
    )


async def run_loop(
    state: type,
    model: Callable[[Any], Awaitable[Any]],
    act: Callable[[Any], Awaitable[Any]],
    has_action: Callable[[Mapping[str, Any]], bool],
) -> AgentResult:
    """START → model ⇄ act → END: the model node ends the episode by setting ``result``, or sets an action
    for ``act`` to carry out; a reply with neither goes straight back to the model."""
    graph: StateGraph[Any, None, Any, Any] = StateGraph(state)
    graph.add_node("model", model)  # type: ignore[call-overload]  # langgraph's overloads want a typed node
    graph.add_node("act", act)  # type: ignore[call-overload]
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", lambda s: END if s.get("result") else "act" if has_action(s) else "model")
    graph.add_edge("act", "model")
    final: dict[str, Any] = await graph.compile().ainvoke({}, {"recursion_limit": 100_000})
    result: AgentResult = final["result"]
    return result
