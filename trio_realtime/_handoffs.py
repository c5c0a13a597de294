"""Handoffs inside a session: which agent speaks, and how the conversation passes to another.

An :class:`AgentSwitch` belongs to one session. It turns its agent's handoffs into tools the
session answers by itself (``transfer_to_<name>``: an async function that performs the handoff
and returns a short confirmation for the model), so a handoff runs through the ordinary tool
batch: ``tool_call_dispatched``, the handoff, ``tool_call_completed``, the outputs, and the
follow-up response, which the target agent gives.

A handoff is one configuration change (``session.update``), published as ``agent_handoff``:

- the target's instructions and tools (its own plus its handoff tools) replace the current
  ones, and its ``tool_choice`` when it sets one (else the session's, when the target has that
  tool, else ``"auto"``);
- audio formats and every other setting are kept;
- the voice changes to the target's only while the assistant has produced no audio yet: the
  providers refuse a voice change after that (and Gemini Live at any time after the setup), so
  from then on the session's voice is kept.

Where the provider cannot make the change at all, the handoff raises the codec's
``UnsupportedCommand`` and nothing changes (a model-initiated handoff then fails as a tool call
the model can read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from .agents import Agent, AgentGraph, Handoff, validate_agent_graph
from .agents._agent import collect_agents
from .config import Config
from .events import AgentHandoff
from .protocol import UnsupportedCommand
from .tools import Tool

if TYPE_CHECKING:
    from ._session import RealtimeSession

__all__ = ["AgentSwitch"]

_STANDARD_CHOICES = ("auto", "none", "required")


class AgentSwitch:
    """The agent speaking in one session, and its handoffs (see the module docstring).

    ``graph`` is the validated handoff graph; ``base`` the Config the session was opened with
    (its instructions and tools are replaced by the agent's).
    """

    def __init__(self, graph: AgentGraph, base: Config) -> None:
        self.graph = graph
        self.agent: Agent = graph.root
        self._base = base
        self._session: RealtimeSession | None = None

    def bind(self, session: RealtimeSession) -> None:
        """Hand off inside ``session`` from now on."""
        self._session = session

    def initial_config(self) -> Config:
        """The Config the session opens with: the first agent's, its voice if it has one."""
        return self._config_for(self.agent, self._base, voice=True)

    # -- configuration ------------------------------------------------------------------------

    def _tools_for(self, agent: Agent) -> tuple[Tool, ...]:
        return (*agent.tools, *(self._transfer_tool(agent, h) for h in agent.handoffs))

    def _config_for(self, agent: Agent, current: Config, *, voice: bool) -> Config:
        tools = self._tools_for(agent)
        names = {tool.name for tool in tools}
        choice = agent.tool_choice or self._base.tool_choice
        if choice not in _STANDARD_CHOICES and choice not in names:
            choice = "auto"
        changes: dict[str, Any] = {
            "instructions": agent.instructions,
            "tools": tools,
            "tool_choice": choice,
        }
        if voice and agent.voice is not None:
            changes["voice"] = agent.voice
        return attrs.evolve(current, **changes)

    def _transfer_tool(self, owner: Agent, handoff: Handoff) -> Tool:
        definition = handoff.tool()

        async def transfer() -> str:
            if self.agent.name != owner.name:
                raise RuntimeError(
                    f"the conversation was already handed from {owner.name!r} to "
                    f"{self.agent.name!r}"
                )
            target = self.graph.target(handoff)
            await self.hand_off(target)
            return f"Transferred to {target.name}. You are now {target.name}."

        return Tool(
            name=definition.name,
            description=definition.description,
            parameters=definition.parameters,
            fn=transfer,
            context_param=None,
        )

    # -- handing off --------------------------------------------------------------------------

    def resolve(self, target: object) -> Agent:
        """``target`` as an agent of this session's graph (extending the graph with a new
        agent and its own graph). ``TypeError`` for anything but an :class:`Agent`,
        ``ValueError`` when a different agent of the same name is already in the graph."""
        if not isinstance(target, Agent):
            raise TypeError(
                f"a handoff target must be an Agent, not {type(target).__name__}: {target!r}"
            )
        known = self.graph.agents.get(target.name)
        if known is not None:
            if known is not target and known != target:
                raise ValueError(
                    f"two different agents are named {target.name!r}: {known!r} (in the "
                    f"session's handoff graph) and {target!r}; give them distinct names"
                )
            return known
        merged = dict(self.graph.agents)
        for name, agent in collect_agents(target).items():
            other = merged.setdefault(name, agent)
            if other is not agent and other != agent:
                raise ValueError(
                    f"two different agents are named {name!r}: {other!r} (in the session's "
                    f"handoff graph) and {agent!r} (reached from {target.name!r})"
                )
        validate_agent_graph(target)  # its references must resolve in its own graph
        self.graph = AgentGraph(root=self.graph.root, agents=merged)
        return target

    async def hand_off(self, target: Agent) -> None:
        """Make ``target`` the speaking agent: one ``session.update``, then ``agent_handoff``.

        Raises ``UnsupportedCommand`` (nothing changed) when the provider cannot make the
        change. Cancellation: as ``session.update`` — if cancelled, nothing happened; once the
        update is queued the handoff completes.
        """
        session = self._session
        if session is None:  # pragma: no cover - bound by the session's constructor
            raise RuntimeError("this agent switch is not bound to a session")
        runtime = session._rt
        keep_voice = runtime.observer.audio_seen
        new = self._config_for(target, session.config, voice=not keep_voice)
        changes = _changed(session.config, new)
        try:
            await session.update(**changes)
        except UnsupportedCommand:
            if "voice" not in changes:
                raise
            del changes["voice"]  # e.g. Gemini: the voice is fixed by the setup
            await session.update(**changes)
        previous, self.agent = self.agent, target
        runtime.apply([AgentHandoff(from_agent=previous.name, to_agent=target.name)])


def _changed(old: Config, new: Config) -> dict[str, Any]:
    return {
        field.name: getattr(new, field.name)
        for field in attrs.fields(Config)
        if getattr(old, field.name) != getattr(new, field.name)
    }
