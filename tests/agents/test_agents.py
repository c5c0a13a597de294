"""Agent data: handoff tools, graph validation, cycles through AgentRef."""

from __future__ import annotations

import attrs
import pytest

import trio_realtime as rt
from trio_realtime.agents import (
    Agent,
    AgentRef,
    Handoff,
    handoff_tool_name,
    snake_case,
    validate_agent_graph,
)


def reset_router(model: str) -> str:
    """Reset the customer's router."""
    return f"{model} reset"


def test_exported() -> None:
    assert rt.Agent is Agent and rt.AgentRef is AgentRef


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Tech Support", "tech_support"),
        ("TechSupport", "tech_support"),
        ("tech-support", "tech_support"),
        ("HTTPAgent", "http_agent"),
        ("Billing & Refunds", "billing_refunds"),
        ("  Agent 2 ", "agent_2"),
        ("Soporte Técnico", "soporte_tecnico"),
        ("客服", ""),
    ],
)
def test_snake_case(name: str, expected: str) -> None:
    assert snake_case(name) == expected


def test_handoff_tool_name() -> None:
    assert handoff_tool_name("Tech Support") == "transfer_to_tech_support"
    assert len(handoff_tool_name("x" * 100)) == 64
    with pytest.raises(ValueError, match="'客服'"):
        handoff_tool_name("客服")


def test_with_handoff_is_a_new_frozen_agent_with_a_generated_tool() -> None:
    support = Agent(
        name="Tech Support", instructions="Fix technical problems.", tools=[reset_router]
    )
    base = Agent(name="Greeter", instructions="Greet and route.")
    greeter = base.with_handoff(support, condition="technical issues")
    assert base.handoffs == () and greeter is not base
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        greeter.name = "x"  # type: ignore[misc]
    [tool] = greeter.handoff_tools
    assert tool.name == "transfer_to_tech_support"
    assert "technical issues" in tool.description and "Tech Support" in tool.description
    assert tool.answered_by_app and tool.parameters["properties"] == {}
    assert tool.definition()["type"] == "function"
    assert [t.name for t in support.all_tools] == ["reset_router"]
    assert greeter.handoff_for("transfer_to_tech_support") == Handoff(
        target=support, condition="technical issues"
    )
    assert greeter.handoff_for("reset_router") is None


def test_tools_from_callables_and_session_changes() -> None:
    support = Agent(name="Tech Support", instructions="Fix it.", tools=[reset_router])
    greeter = Agent(name="Greeter", instructions="Hi.", tool_choice="auto").with_handoff(
        support, condition="tech"
    )
    assert support.tools[0].name == "reset_router"
    assert support.tools[0].parameters["required"] == ["model"]
    changes = greeter.session_changes()
    assert changes["instructions"] == "Hi."
    assert [t.name for t in changes["tools"]] == ["transfer_to_tech_support"]
    assert changes["tool_choice"] == "auto"
    assert "tool_choice" not in support.session_changes()


def test_default_condition_is_the_description() -> None:
    billing = Agent(name="Billing", description="questions about invoices")
    tool = Agent(name="Greeter").with_handoff(billing).handoff_tools[0]
    assert "questions about invoices" in tool.description
    ref_tool = Agent(name="Greeter").with_handoff(AgentRef("Billing")).handoff_tools[0]
    assert ref_tool.name == "transfer_to_billing"


@pytest.mark.parametrize("target", ["Tech Support", None, 3, {"name": "Tech Support"}])
def test_non_agent_targets_are_type_errors(target: object) -> None:
    with pytest.raises(TypeError, match="Agent"):
        Agent(name="Greeter").with_handoff(target)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Agent"):
        Handoff(target=target, condition="x")  # type: ignore[arg-type]


def test_two_agents_one_name_fail_at_with_handoff_with_both_named() -> None:
    first = Agent(name="Support", instructions="first")
    second = Agent(name="Support", instructions="second")
    billing = Agent(name="Billing").with_handoff(second, condition="tech")
    greeter = Agent(name="Greeter").with_handoff(first, condition="tech")
    with pytest.raises(ValueError, match="two different agents are named 'Support'") as info:
        greeter.with_handoff(billing, condition="money")
    message = str(info.value)
    assert "'Greeter' -> 'Support'" in message
    assert "'Greeter' -> 'Billing' -> 'Support'" in message


def test_the_same_agent_twice_is_fine() -> None:
    support = Agent(name="Support")
    billing = Agent(name="Billing").with_handoff(support, condition="tech")
    greeter = (
        Agent(name="Greeter")
        .with_handoff(support, condition="tech")
        .with_handoff(billing, condition="money")
    )
    assert list(validate_agent_graph(greeter).agents) == ["Greeter", "Support", "Billing"]
    equal_copy = Agent(name="Support")  # equal value, another object: the same agent
    assert validate_agent_graph(
        Agent(name="X")
        .with_handoff(support, condition="a")
        .with_handoff(Agent(name="Y").with_handoff(equal_copy, condition="b"), condition="c")
    )


def test_validate_agent_graph_catches_conflicts_built_directly() -> None:
    one, two = Agent(name="A", instructions="1"), Agent(name="A", instructions="2")
    root = Agent(
        name="Root",
        handoffs=[Handoff(target=one, condition="x")],
    )
    middle = Agent(name="Mid", handoffs=[Handoff(target=two, condition="y")])
    root = attrs.evolve(root, handoffs=(*root.handoffs, Handoff(target=middle, condition="z")))
    with pytest.raises(ValueError, match="two different agents are named 'A'"):
        validate_agent_graph(root)
    with pytest.raises(TypeError):
        validate_agent_graph("Root")  # type: ignore[arg-type]


def test_cycles_through_agent_ref() -> None:
    support = Agent(name="Tech Support", tools=[reset_router]).with_handoff(
        AgentRef("Greeter"), condition="anything that is not technical"
    )
    greeter = Agent(name="Greeter").with_handoff(support, condition="technical issues")
    graph = validate_agent_graph(greeter)
    assert graph.root is greeter and set(graph.agents) == {"Greeter", "Tech Support"}
    assert graph.resolve(greeter, "transfer_to_tech_support") is support
    assert graph.resolve("Tech Support", "transfer_to_greeter") is greeter  # back to the root
    assert graph.resolve(support, "reset_router") is None
    # Starting from the other side, the reference resolves to nothing: a clear error.
    with pytest.raises(ValueError, match=r"AgentRef\('Greeter'\).*agents: 'Tech Support'"):
        validate_agent_graph(support)


def test_self_handoff_and_tool_clashes() -> None:
    with pytest.raises(ValueError, match="cannot hand off to itself"):
        Agent(name="A").with_handoff(AgentRef("A"))
    with pytest.raises(ValueError, match="clashes with a handoff"):
        Agent(name="A").with_handoff(Agent(name="Tech Support")).with_handoff(
            Agent(name="tech-support")
        )

    def transfer_to_billing() -> str:
        """Not a handoff."""
        return ""

    with pytest.raises(ValueError, match="clashes with a tool"):
        Agent(name="A", tools=[transfer_to_billing]).with_handoff(Agent(name="Billing"))
    with pytest.raises(ValueError, match="duplicate tool name"):
        Agent(name="A", tools=[reset_router, reset_router])


def test_tool_choice_and_name_checks() -> None:
    assert Agent(name="A", tools=[reset_router], tool_choice="reset_router").tool_choice
    with pytest.raises(ValueError, match="tool_choice"):
        Agent(name="A", tool_choice="nope")
    with pytest.raises(ValueError, match="non-empty name"):
        Agent(name=" ")


def test_repr_is_short() -> None:
    greeter = Agent(name="Greeter", instructions="x" * 1000).with_handoff(Agent(name="B"))
    assert repr(greeter) == "Agent(name='Greeter', tools=[], handoffs=['B'])"
