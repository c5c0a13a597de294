"""Observability: telemetry events, session metrics, OpenTelemetry spans, a recording.

- ``rt.telemetry.attach(...)``: a handler called synchronously for each telemetry point
  (session start/stop, audio, tools, turns, handoffs); metadata carries ids, never content
  unless the handler asks for it;
- ``session.metrics()``: latencies (time to first audio/text), tool durations, token usage and
  an estimated cost; ``turn_metrics=True`` also publishes one ``turn_metrics`` event per turn;
- the OpenTelemetry adapter (``pip install "trio-realtime[otel]"`` plus an SDK): spans per
  session, turn and tool call; shown here when ``opentelemetry-sdk`` is installed;
- ``rt.Recorder``: every frame both ways as JSONL (no key), replayable with
  ``rt.ReplayGateway`` and printable with ``python -m trio_realtime replay FILE``.

    python examples/telemetry.py [--openai]
"""

from __future__ import annotations

import pathlib
import tempfile
from collections.abc import Mapping
from typing import Any

import trio
from _common import open_gateway, parse_args, parser

import trio_realtime as rt
from trio_realtime.cli._replay import render_timeline
from trio_realtime.server import Pacing
from trio_realtime.testing import calls


def get_weather(city: str) -> str:
    """Current weather for a city.

    Args:
        city: The city, e.g. "Oslo".
    """
    return f"sunny in {city}"


def brain(request: Any) -> Any:
    if request.tool_outputs():
        return "It is sunny in Oslo today."
    return calls(("get_weather", {"city": "Oslo"}))


def log(
    name: tuple[str, ...], measurements: Mapping[str, float], metadata: Mapping[str, Any]
) -> None:
    if name == rt.telemetry.AUDIO_RECEIVED:
        return  # one per audio chunk: too many to print
    numbers = ", ".join(f"{k}={v:g}" for k, v in measurements.items() if v)
    ids = ", ".join(f"{k}={v}" for k, v in metadata.items() if v is not None and k != "session_id")
    print(f"  [telemetry] {'.'.join(name):<24} {numbers}  {ids}")


def opentelemetry() -> Any:
    """An in-memory span exporter behind the adapter, when the SDK is installed."""
    try:
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        from trio_realtime.telemetry import otel
    except ImportError:
        print("(no OpenTelemetry SDK installed: skipping spans)")
        return None
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    otel.instrument(provider)
    return exporter


async def main(args: Any) -> None:
    rt.telemetry.attach("example", rt.telemetry.ALL, log)
    exporter = opentelemetry()
    path = pathlib.Path(tempfile.mkdtemp()) / "call.jsonl"
    async with open_gateway(args, brain=brain, pacing=Pacing.instant()) as gateway:
        config = rt.Config(modalities=["audio"], turn_detection=None, tools=[get_weather])
        broker = rt.Broker(
            args.model,
            gateway=gateway,
            config=config,
            recorder=rt.Recorder(path),
            turn_metrics=True,
        )
        async with broker.connect() as session:
            await session.send_text("What's the weather in Oslo?")
            turns = 0
            async for event in session.events():  # a tool turn, then the spoken answer
                if event.kind == "assistant_transcript":
                    print(f"assistant: {event.text}")
                elif event.kind == "turn_metrics":
                    turns += 1
                    first = event.time_to_first_audio
                    print(
                        f"  [turn_metrics] {event.status}, first audio after "
                        f"{'-' if first is None else f'{first * 1000:.0f} ms'}, "
                        f"{len(event.tool_durations)} tool call(s)"
                    )
                    if turns == 2:
                        break
            metrics = session.metrics()
    rt.telemetry.detach("example")
    print(
        f"\nturns: {metrics.turns}, tokens in/out: {metrics.usage.input_tokens}/"
        f"{metrics.usage.output_tokens}, estimated cost: ${metrics.cost_usd or 0:.6f}"
    )
    if exporter is not None:
        from trio_realtime.telemetry import otel

        otel.uninstrument()
        print("\nspans:")
        for span in exporter.get_finished_spans():
            print(f"  {span.name:<28} {span.status.status_code.name}")
    print(f"\nrecorded to {path}; its timeline (python -m trio_realtime replay FILE):")
    with open(path.with_suffix(".txt"), "w") as out:
        render_timeline(path, out)
    print("\n".join(path.with_suffix(".txt").read_text().splitlines()[:12]), "\n  ...")


if __name__ == "__main__":
    trio.run(main, parse_args(parser(__doc__)))
