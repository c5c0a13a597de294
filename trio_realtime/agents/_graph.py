"""The handoff graph of an agent: every agent reachable through handoffs, one per name."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ._agent import Agent, AgentRef, Handoff, collect_agents

__all__ = ["AgentGraph", "validate_agent_graph"]


@attrs.frozen
class AgentGraph:
    """The agents one session can reach from its first agent, with handoffs resolved.

    Built by :func:`~trio_realtime.agents.validate_agent_graph`. A session keeps it for its
    whole life: whichever agent speaks, its handoff tools resolve here (so an
    :class:`~trio_realtime.AgentRef` points at the agent of that name in this graph).
    """

    root: Agent
    agents: Mapping[str, Agent]

    def __getitem__(self, name: str) -> Agent:
        return self.agents[name]

    def __contains__(self, name: object) -> bool:
        return name in self.agents

    def target(self, handoff: Handoff) -> Agent:
        """The agent ``handoff`` leads to."""
        if isinstance(handoff.target, Agent):
            return handoff.target
        return self.agents[handoff.target.name]

    def resolve(self, agent: Agent | str, tool_name: str) -> Agent | None:
        """The agent that ``agent``'s tool ``tool_name`` hands over to; None when that tool is
        not one of its handoffs (an ordinary tool call)."""
        speaker = self.agents[agent] if isinstance(agent, str) else agent
        handoff = speaker.handoff_for(tool_name)
        return None if handoff is None else self.target(handoff)


def validate_agent_graph(root: Agent) -> AgentGraph:
    """Check ``root``'s handoff graph and return it resolved.

    Raises ``TypeError`` when ``root`` is not an :class:`~trio_realtime.Agent`, ``ValueError``
    when two different agents share a name (both described) or an
    :class:`~trio_realtime.AgentRef` names no agent of the graph.
    """
    if not isinstance(root, Agent):
        raise TypeError(f"expected an Agent, not {type(root).__name__}: {root!r}")
    agents = collect_agents(root)
    for agent in agents.values():
        for handoff in agent.handoffs:
            target = handoff.target
            if isinstance(target, AgentRef) and target.name not in agents:
                known = ", ".join(repr(name) for name in agents)
                raise ValueError(
                    f"agent {agent.name!r} hands off to AgentRef({target.name!r}), but no agent "
                    f"of that name is in the handoff graph of {root.name!r} (agents: {known})"
                )
    return AgentGraph(root=root, agents=agents)
