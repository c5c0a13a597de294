"""Fan-out: one session, several consumers, each with its own bounded buffer and policy.

- The primary stream, ``session.events()``, drives the conversation. It is lossless from the
  session's start: if nobody reads it, the session stops reading the socket (backpressure).
- A "UI" subscribes to text deltas with a small buffer and ``overflow="drop_oldest"``: a slow
  renderer never slows the session down; it loses old deltas (counted) and catches up from the
  final ``assistant_text``.
- A "logger" subscribes to everything with ``overflow="block"``: lossless, at the price of
  pausing the session whenever it falls behind. It writes JSON lines to a file.

Subscribers see events from the moment they subscribe; ``statistics()`` counts what each
consumer got and lost; closing the session ends every consumer's loop.

    python examples/fanout.py [--log FILE] [--openai]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import tempfile

import trio
from _common import open_gateway, parse_args, parser

import trio_realtime as rt

QUESTIONS = ["Tell me a story.", "What is the capital of France?"]


async def ui(session: rt.RealtimeSession, *, task_status: trio.TaskStatus[None]) -> None:
    """Render the assistant's text as it streams in, slowly (30 ms per redraw)."""
    kinds = {"assistant_text_delta", "assistant_text"}
    with session.subscribe(kinds=kinds, buffer=8, overflow="drop_oldest") as feed:
        task_status.started()  # subscribed: main may go on
        drawn = finals = 0
        async for event in feed:
            if event.kind == "assistant_text_delta":
                drawn += 1
                await trio.sleep(0.03)  # meanwhile new deltas push the oldest ones out
            elif event.kind == "assistant_text":
                finals += 1  # the complete text: draw it whole, whatever deltas were lost
        dropped = feed.statistics().dropped
    print(f"[ui] drew {drawn} deltas and {finals} final texts; {dropped} events dropped")


async def logger(
    session: rt.RealtimeSession, path: pathlib.Path, *, task_status: trio.TaskStatus[None]
) -> None:
    """Write every event to ``path`` as a JSON line, losing none."""
    with session.subscribe(buffer=64, overflow="block") as feed:
        task_status.started()
        async with await trio.open_file(path, "w") as log:  # file I/O in a worker thread
            async for event in feed:
                await log.write(json.dumps(rt.event_to_dict(event)) + "\n")
    print(f"[logger] {feed.statistics().delivered} events written to {path}")


async def main(args: argparse.Namespace) -> None:
    config = rt.Config(modalities=["text"], turn_detection=None)
    path = args.log or pathlib.Path(tempfile.mkdtemp(prefix="trio-realtime-")) / "events.jsonl"
    async with (
        open_gateway(args) as gateway,
        rt.open_session(args.model, gateway=gateway, config=config) as session,
        trio.open_nursery() as nursery,
    ):
        await nursery.start(ui, session)  # start() returns once the task has subscribed
        await nursery.start(logger, session, path)
        events = session.events()
        for question in QUESTIONS:
            print(f"you: {question}")
            await session.send_text(question)
            async for event in events:
                if event.kind == "assistant_text":
                    print(f"assistant: {event.text}")
                elif event.kind == "assistant_turn_completed":
                    break

        stats = session.statistics()
        print(f"\nstatistics: {sum(stats.events_published.values())} events published")
        ui_feed, log_feed = stats.subscribers  # in the order they subscribed
        for name, queue in [("primary", stats.primary), ("ui", ui_feed), ("logger", log_feed)]:
            assert queue is not None
            print(
                f"  {name:8} overflow={queue.overflow:12} buffer={queue.max_buffer:<4} "
                f"delivered={queue.delivered:<4} dropped={queue.dropped}"
            )
        await session.aclose()  # every consumer gets session_closed, then its loop ends
        # ... and the nursery waits for the UI and the logger to finish.


if __name__ == "__main__":
    cli = parser(__doc__)
    cli.add_argument("--log", type=pathlib.Path, help="JSON lines log (default: in a temp dir)")
    trio.run(main, parse_args(cli))
