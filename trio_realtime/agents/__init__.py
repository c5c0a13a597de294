"""Agents and handoffs, as plain frozen data (no I/O, no trio).

::

    support = rt.Agent(name="Tech Support", instructions="Fix technical problems.",
                       tools=[reset_router])
    greeter = rt.Agent(name="Greeter", instructions="Greet and route.").with_handoff(
        support, condition="technical issues")            # a new frozen Agent

A handoff is a generated tool, ``transfer_to_<snake_case(name)>`` (``transfer_to_tech_support``),
described by its condition. :func:`validate_agent_graph` checks a whole graph (two different
agents with one name are refused, both named) and resolves a handoff tool to its target agent.
Cycles name one side with :class:`AgentRef` (see its docstring).
"""

from ._agent import Agent, AgentRef, Handoff, handoff_tool_name, snake_case
from ._graph import AgentGraph, validate_agent_graph

__all__ = [
    "Agent",
    "AgentGraph",
    "AgentRef",
    "Handoff",
    "handoff_tool_name",
    "snake_case",
    "validate_agent_graph",
]
