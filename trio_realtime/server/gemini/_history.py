"""A Gemini Live conversation: ordered ``Content`` turns, and their view for a brain.

Turns are kept in wire shape (``{"role": "user" | "model", "parts": [...]}``) plus an ``id``.
A user audio turn is a part ``{"audioTurn": id, "ms": length}`` whose words come from the
transcriber (``heard``); the audio itself is not kept. A brain sees the conversation as the
OpenAI-shaped items every brain reads (:class:`~trio_realtime.server.brain.BrainRequest`):
user messages (``input_text`` / ``input_audio`` with its transcript), assistant messages,
``function_call`` and ``function_call_output`` items (a ``{"output": x}`` response becomes the
output ``x`` as JSON, so a brain sees what the tool returned).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import orjson

__all__ = ["History", "audio_tokens", "text_tokens"]

AUDIO_TOKENS_PER_SECOND = 32  # Gemini counts 32 tokens per second of audio


def text_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def audio_tokens(ms: float) -> int:
    return math.ceil(ms * AUDIO_TOKENS_PER_SECOND / 1000)


def _output_of(response: Any) -> str:
    """The output string a brain sees: a text result as is, anything else as JSON (the same
    convention as the OpenAI wire's ``function_call_output.output``)."""
    if isinstance(response, dict) and set(response) == {"output"}:
        response = response["output"]
    return response if isinstance(response, str) else orjson.dumps(response).decode()


class History:
    """The turns of one session (see the module docstring)."""

    def __init__(self) -> None:
        self.turns: list[dict[str, Any]] = []
        self.heard: dict[str, str] = {}
        self._count = 0

    def _new(self, role: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
        self._count += 1
        turn = {"id": f"item_{self._count:06d}", "role": role, "parts": parts}
        self.turns.append(turn)
        return turn

    def add(self, role: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
        """Append a turn (its parts already validated); returns it (still open to appends)."""
        return self._new(role, copy.deepcopy(parts))

    def add_user_audio(self, turn_id: str, ms: float) -> None:
        self._new("user", [{"audioTurn": turn_id, "ms": ms}])

    def model_turn(self) -> dict[str, Any]:
        """A new, empty model turn that a generation fills as it sends."""
        return self._new("model", [])

    def snapshot(self) -> History:
        """An independent copy (kept under a resumption handle)."""
        copied = History()
        copied.turns = copy.deepcopy(self.turns)
        copied.heard = dict(self.heard)
        copied._count = self._count
        return copied

    # -- the brain's view ------------------------------------------------------------------------

    def brain_items(self, *, audio_out: bool) -> tuple[dict[str, Any], ...]:
        """The conversation as OpenAI-shaped items (see the module docstring)."""
        items: list[dict[str, Any]] = []
        for turn in self.turns:
            content: list[dict[str, Any]] = []
            extra: list[dict[str, Any]] = []
            for index, part in enumerate(turn["parts"]):
                key = f"{turn['id']}_{index}"
                if "text" in part and not part.get("thought"):
                    content.append(self._text_part(turn["role"], part["text"], audio_out))
                elif "audioTurn" in part:
                    heard = self.heard.get(part["audioTurn"], "")
                    content.append({"type": "input_audio", "transcript": heard})
                elif "functionCall" in part:
                    call = part["functionCall"]
                    extra.append(
                        {
                            "id": key,
                            "type": "function_call",
                            "status": "completed",
                            "name": call.get("name", ""),
                            "call_id": call.get("id", ""),
                            "arguments": orjson.dumps(call.get("args", {})).decode(),
                        }
                    )
                elif "functionResponse" in part:
                    response = part["functionResponse"]
                    extra.append(
                        {
                            "id": key,
                            "type": "function_call_output",
                            "call_id": response.get("id", ""),
                            "output": _output_of(response.get("response", {})),
                        }
                    )
            if content:
                items.append(
                    {
                        "id": turn["id"],
                        "type": "message",
                        "status": "completed",
                        "role": "user" if turn["role"] == "user" else "assistant",
                        "content": content,
                    }
                )
            items.extend(extra)
        return tuple(items)

    @staticmethod
    def _text_part(role: str, text: str, audio_out: bool) -> dict[str, Any]:
        if role == "user":
            return {"type": "input_text", "text": text}
        if audio_out:
            return {"type": "output_audio", "transcript": text}
        return {"type": "output_text", "text": text}

    # -- usage -----------------------------------------------------------------------------------

    def prompt_tokens(self, instructions: str, tools: tuple[dict[str, Any], ...]) -> dict[str, int]:
        """Estimated prompt tokens by modality (``TEXT``, ``AUDIO``)."""
        text = text_tokens(instructions) + sum(text_tokens(orjson.dumps(t).decode()) for t in tools)
        audio = 0
        for turn in self.turns:
            for part in turn["parts"]:
                if "audioTurn" in part:
                    audio += audio_tokens(part["ms"])
                elif "text" in part:
                    text += text_tokens(part["text"])
                elif "functionCall" in part or "functionResponse" in part:
                    text += text_tokens(orjson.dumps(part).decode())
        return {"TEXT": text, "AUDIO": audio}
