"""``Agent`` and ``Handoff``: frozen values describing who speaks and to whom they hand over."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, Final

import attrs

from ..tools import Tool, ToolRegistry, as_tool

__all__ = [
    "Agent",
    "AgentRef",
    "Handoff",
    "collect_agents",
    "handoff_tool_name",
    "snake_case",
]

_PREFIX: Final = "transfer_to_"
_MAX_TOOL_NAME: Final = 64
_TOOL_CHOICES: Final = ("auto", "none", "required")


def snake_case(name: str) -> str:
    """``"Tech Support"`` -> ``"tech_support"``; ``"TechSupport"`` and ``"tech-support"`` too.

    Accents are folded to ASCII (``"Soporte Técnico"`` -> ``"soporte_tecnico"``); every run of
    other characters becomes one ``_``. The result may be empty (no ASCII letter or digit).
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()


def handoff_tool_name(agent_name: str) -> str:
    """The generated tool that hands over to ``agent_name``: ``transfer_to_<snake_case(name)>``.

    Raises ``ValueError`` when the name has no ASCII letter or digit to build it from.
    """
    stem = snake_case(agent_name)
    if not stem:
        raise ValueError(
            f"cannot derive a handoff tool name from the agent name {agent_name!r}: "
            "use a name with ASCII letters or digits"
        )
    return (_PREFIX + stem)[:_MAX_TOOL_NAME]


def _check_name(_: Any, __: Any, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"an agent needs a non-empty name, got {value!r}")


@attrs.frozen
class AgentRef:
    """A handoff target named but not given, resolved in the handoff graph when it is used.

    A frozen value cannot point at an agent that points back at it, so a cycle (A hands to B,
    B back to A) names one side: ``support = Agent(name="Tech Support").with_handoff(
    AgentRef("Greeter"), condition="anything else")``, then
    ``greeter = Agent(name="Greeter").with_handoff(support, condition="technical issues")``. In
    the graph of ``greeter``, the reference resolves to ``greeter`` itself
    (:func:`~trio_realtime.agents.validate_agent_graph` reports a name that resolves to nothing).
    """

    name: str = attrs.field(validator=_check_name)


def _to_tools(value: Iterable[Tool | Callable[..., Any]]) -> tuple[Tool, ...]:
    tools = tuple(as_tool(item) for item in value)
    ToolRegistry(tools)  # duplicate names raise ValueError naming the tool
    return tools


@attrs.frozen(kw_only=True)
class Handoff:
    """One edge of the handoff graph: hand the conversation to ``target`` when ``condition``.

    The model sees it as a tool without parameters named ``tool_name``
    (``transfer_to_<snake_case(target name)>``) whose description is built from the condition.
    """

    target: Agent | AgentRef
    condition: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.target, Agent | AgentRef):
            raise TypeError(
                "a handoff target must be an Agent (or an AgentRef naming one in the graph), "
                f"not {type(self.target).__name__}: {self.target!r}"
            )
        handoff_tool_name(self.target.name)  # fails early for a name with no usable letters

    @property
    def target_name(self) -> str:
        return self.target.name

    @property
    def tool_name(self) -> str:
        return handoff_tool_name(self.target.name)

    def tool(self) -> Tool:
        """The generated tool definition (no function: the session answers it)."""
        return Tool(
            name=self.tool_name,
            description=(
                f"Transfer the conversation to {self.target.name}. Use this for: {self.condition}"
            ),
            parameters={"type": "object", "properties": {}, "additionalProperties": False},
        )


def _to_handoffs(value: Iterable[Handoff]) -> tuple[Handoff, ...]:
    handoffs = tuple(value)
    for item in handoffs:
        if not isinstance(item, Handoff):
            raise TypeError(
                f"Agent.handoffs holds Handoff values (see Agent.with_handoff), not {item!r}"
            )
    return handoffs


@attrs.frozen(kw_only=True)
class Agent:
    """Who speaks in a session: instructions, tools, voice, and where it may hand over.

    Attributes:
        name: Unique within a handoff graph; names the generated handoff tool.
        instructions: The system instructions while this agent speaks (they replace the
            Config's).
        tools: Callables (sync or async) or :class:`~trio_realtime.tools.Tool` values; the handoff
            tools are added to them.
        handoffs: :class:`~trio_realtime.agents.Handoff` edges, normally added with
            :meth:`with_handoff`.
        voice: The voice of the first agent of a session (a handoff keeps the session's voice:
            providers refuse a voice change once audio was produced). ``None`` keeps the
            Config's.
        tool_choice: ``"auto"``, ``"none"``, ``"required"`` or one of this agent's tool names
            (``None`` keeps the Config's).
        description: What the agent does; the default handoff condition when another agent
            hands over to it without one.
    """

    name: str = attrs.field(validator=_check_name)
    instructions: str = ""
    tools: tuple[Tool, ...] = attrs.field(default=(), converter=_to_tools)
    handoffs: tuple[Handoff, ...] = attrs.field(default=(), converter=_to_handoffs)
    voice: str | None = None
    tool_choice: str | None = None
    description: str = ""

    def __attrs_post_init__(self) -> None:
        seen = {tool.name: "tool" for tool in self.tools}
        for handoff in self.handoffs:
            if handoff.target_name == self.name:
                raise ValueError(f"agent {self.name!r} cannot hand off to itself")
            if handoff.tool_name in seen:
                raise ValueError(
                    f"agent {self.name!r}: the handoff to {handoff.target_name!r} generates the "
                    f"tool {handoff.tool_name!r}, which clashes with a {seen[handoff.tool_name]} "
                    "of the same name"
                )
            seen[handoff.tool_name] = "handoff"
        if self.tool_choice is not None and self.tool_choice not in (*_TOOL_CHOICES, *seen):
            raise ValueError(
                f"agent {self.name!r}: tool_choice must be one of {_TOOL_CHOICES} or the name of "
                f"one of its tools {tuple(seen)}, not {self.tool_choice!r}"
            )

    def with_handoff(self, target: Agent | AgentRef, *, condition: str | None = None) -> Agent:
        """A new agent that may hand the conversation to ``target`` when ``condition`` holds.

        ``condition`` (what the model reads) defaults to the target's description. Raises
        ``TypeError`` when ``target`` is not an :class:`Agent` (or :class:`AgentRef`), and
        ``ValueError`` when two different agents share a name anywhere in the resulting graph
        (both are described), or the generated tool name clashes.
        """
        if not isinstance(target, Agent | AgentRef):
            raise TypeError(
                "with_handoff() takes an Agent (or an AgentRef naming one, for cycles), not "
                f"{type(target).__name__}: {target!r}"
            )
        if condition is None:
            described = target.description if isinstance(target, Agent) else ""
            condition = described or f"requests that {target.name} should handle"
        handoff = Handoff(target=target, condition=condition)
        new = attrs.evolve(self, handoffs=(*self.handoffs, handoff))
        collect_agents(new)  # two agents, one name: fail here, not in the middle of a call
        return new

    @property
    def handoff_tools(self) -> tuple[Tool, ...]:
        """The generated ``transfer_to_*`` tools, in handoff order."""
        return tuple(handoff.tool() for handoff in self.handoffs)

    @property
    def all_tools(self) -> tuple[Tool, ...]:
        """The agent's own tools, then its handoff tools (what the model is offered)."""
        return (*self.tools, *self.handoff_tools)

    def handoff_for(self, tool_name: str) -> Handoff | None:
        """The handoff whose generated tool is ``tool_name``, or None."""
        for handoff in self.handoffs:
            if handoff.tool_name == tool_name:
                return handoff
        return None

    def session_changes(self) -> dict[str, Any]:
        """What a session changes when this agent takes over (``session.update(**changes)``):
        ``instructions``, ``tools`` (own plus handoff tools) and ``tool_choice`` when set.
        The voice and audio formats are kept."""
        changes: dict[str, Any] = {"instructions": self.instructions, "tools": self.all_tools}
        if self.tool_choice is not None:
            changes["tool_choice"] = self.tool_choice
        return changes

    def __repr__(self) -> str:
        targets = ", ".join(repr(h.target_name) for h in self.handoffs)
        tools = ", ".join(repr(t.name) for t in self.tools)
        return f"Agent(name={self.name!r}, tools=[{tools}], handoffs=[{targets}])"


def _path(path: tuple[str, ...]) -> str:
    return " -> ".join(repr(name) for name in path)


def collect_agents(root: Agent) -> dict[str, Agent]:
    """Every :class:`Agent` reachable from ``root`` (itself included), by name, in discovery
    order (depth first, handoffs in order). References are not followed.

    Raises ``ValueError`` naming both agents (and how each was reached) when two different
    agents share a name. Cycles are fine: each agent is visited once.
    """
    found: dict[str, tuple[Agent, tuple[str, ...]]] = {}
    stack: list[tuple[Agent, tuple[str, ...]]] = [(root, (root.name,))]
    while stack:
        agent, path = stack.pop()
        seen = found.get(agent.name)
        if seen is not None:
            other, other_path = seen
            if other is agent or other == agent:
                continue
            raise ValueError(
                f"two different agents are named {agent.name!r} in the handoff graph of "
                f"{root.name!r}: {other!r} (reached by {_path(other_path)}) and {agent!r} "
                f"(reached by {_path(path)}); give them distinct names, or use "
                f"AgentRef({agent.name!r}) to point back at the first"
            )
        found[agent.name] = (agent, path)
        for handoff in reversed(agent.handoffs):
            if isinstance(handoff.target, Agent):
                stack.append((handoff.target, (*path, handoff.target.name)))
    return {name: agent for name, (agent, _) in found.items()}
