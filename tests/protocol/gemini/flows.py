"""Golden Gemini Live server sequences, as the service sends them (one dict per message).

Derived from the reference flows (text turn, audio turn with both transcriptions, a two-call
tool round trip, a barge-in with a cancelled tool, manual activity detection, goAway and
resumption) with real audio: every ``inlineData`` is base64 PCM16 of a deterministic tone at
24 kHz, split at odd byte offsets so the decoder must carry a byte to the next chunk. Every
message here validates as ``google-genai``'s ``LiveServerMessage`` (``test_golden`` checks).
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

Message = dict[str, Any]

MODEL = "gemini-2.5-flash-native-audio-preview-12-2025"


def tone(ms: int, *, rate: int = 24_000, freq: float = 440.0, amp: int = 9000) -> bytes:
    """``ms`` milliseconds of a sine as PCM16 little-endian mono at ``rate``."""
    t = np.arange(rate * ms // 1000, dtype=np.float64)
    return (amp * np.sin(2 * np.pi * freq * t / rate)).astype("<i2").tobytes()


def audio(pcm: bytes, *, rate: int = 24_000, transcript: str | None = None) -> Message:
    content: dict[str, Any] = {
        "modelTurn": {
            "parts": [
                {
                    "inlineData": {
                        "mimeType": f"audio/pcm;rate={rate}",
                        "data": base64.b64encode(pcm).decode(),
                    }
                }
            ]
        }
    }
    if transcript is not None:
        content["outputTranscription"] = {"text": transcript}
    return {"serverContent": content}


def said(text: str) -> Message:
    return {"serverContent": {"outputTranscription": {"text": text}}}


def heard(text: str, **extra: Any) -> Message:
    return {"serverContent": {"inputTranscription": {"text": text, **extra}}}


SETUP_COMPLETE: Message = {"setupComplete": {}}
GENERATION_COMPLETE: Message = {"serverContent": {"generationComplete": True}}
TURN_COMPLETE: Message = {"serverContent": {"turnComplete": True}}
INTERRUPTED: Message = {"serverContent": {"interrupted": True}}

#: text_turn / audio_turn: 120 ms of 440 Hz in chunks of 1921, 2880 and 959 bytes.
REPLY = tone(120)
#: tool_calls: the answer after the tool round trip, 40 ms of 330 Hz in one chunk.
ANSWER = tone(40, freq=330.0)
#: barge_in: 60 ms of 523.25 Hz, cut by the user after its first chunk.
STORY = tone(60, freq=523.25)

USAGE_TEXT = {
    "promptTokenCount": 143,
    "responseTokenCount": 19,
    "totalTokenCount": 162,
    "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 143}],
    "responseTokensDetails": [{"modality": "AUDIO", "tokenCount": 19}],
}
USAGE_AUDIO = {
    "promptTokenCount": 373,
    "responseTokenCount": 23,
    "totalTokenCount": 396,
    "cachedContentTokenCount": "40",
    "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 40}],
    "promptTokensDetails": [
        {"modality": "TEXT", "tokenCount": 291},
        {"modality": "AUDIO", "tokenCount": 82},
    ],
    "responseTokensDetails": [{"modality": "AUDIO", "tokenCount": 23}],
}

# -- flow 1: typed text, spoken reply with its transcript ------------------------------------
TEXT_TURN: list[Message] = [
    SETUP_COMPLETE,
    said("The capital of France"),
    audio(REPLY[:1921], transcript=" is Paris."),
    audio(REPLY[1921:4801]),
    audio(REPLY[4801:]),
    GENERATION_COMPLETE,
    {"serverContent": {"turnComplete": True}, "usageMetadata": USAGE_TEXT},
]

# -- flow 2: an audio turn with both transcriptions (server VAD), then a resumption handle ---
AUDIO_TURN: list[Message] = [
    SETUP_COMPLETE,
    heard("What's the weather"),
    heard(" like on Mars?"),
    heard("", finished=True),
    audio(REPLY[:1921]),
    said("Mars is cold"),
    audio(REPLY[1921:4801]),
    said(" and dusty."),
    audio(REPLY[4801:]),
    GENERATION_COMPLETE,
    {"serverContent": {"turnComplete": True}, "usageMetadata": USAGE_AUDIO},
    {"sessionResumptionUpdate": {"newHandle": "Cj0KOXNlc3Npb24tMQ", "resumable": True}},
]

# -- flow 3: two calls in one toolCall, the answers, then the spoken answer ------------------
WEATHER, TIME = "function-call-1532081760843121811", "function-call-1532081760843121812"
TOOL_CALLS: list[Message] = [
    SETUP_COMPLETE,
    heard("Weather and time in Tokyo, please."),
    {
        "toolCall": {
            "functionCalls": [
                {"id": WEATHER, "name": "get_weather", "args": {"city": "Tokyo"}},
                {"id": TIME, "name": "get_time", "args": {"timezone": "Asia/Tokyo"}},
            ]
        }
    },
    # (the client answers both in one toolResponse here)
    audio(ANSWER, transcript="It's 18 degrees with light rain in Tokyo."),
    GENERATION_COMPLETE,
    {
        "serverContent": {"turnComplete": True},
        "usageMetadata": {
            "promptTokenCount": 412,
            "responseTokenCount": 41,
            "toolUsePromptTokenCount": 38,
            "totalTokenCount": 491,
        },
    },
]

# -- flow 4: barge-in, then a call cancelled by the user's next words ------------------------
BOOK_1, BOOK_2 = "function-call-7781", "function-call-7782"
BARGE_IN: list[Message] = [
    SETUP_COMPLETE,
    heard("Tell me a long story."),
    audio(STORY[:1441]),
    said("Once upon a time, in a quiet"),
    INTERRUPTED,
    audio(STORY[1441:]),  # a chunk the server had sent already (it trails the interruption)
    heard("Actually, book a table at Luigi's for two."),
    TURN_COMPLETE,  # the interrupted turn's own turnComplete
    {
        "toolCall": {
            "functionCalls": [
                {"id": BOOK_1, "name": "book_table", "args": {"restaurant": "Luigi's", "guests": 2}}
            ]
        }
    },
    {"toolCallCancellation": {"ids": [BOOK_1]}},
    INTERRUPTED,
    heard("No wait, make it three people."),
    {
        "toolCall": {
            "functionCalls": [
                {"id": BOOK_2, "name": "book_table", "args": {"restaurant": "Luigi's", "guests": 3}}
            ]
        }
    },
    # (the client answers BOOK_2 here)
    audio(ANSWER, transcript="Done, a table for three at 7:30."),
    GENERATION_COMPLETE,
    {
        "serverContent": {"turnComplete": True},
        "usageMetadata": {
            "promptTokenCount": 520,
            "responseTokenCount": 30,
            "totalTokenCount": 550,
        },
    },
]

# -- flow 4b: manual activity detection; the client's activityStart interrupts -------------
MANUAL: list[Message] = [
    SETUP_COMPLETE,
    heard("Read me the news."),
    audio(STORY[:1441]),
    # (the client sends activityStart: the user speaks again)
    INTERRUPTED,
    TURN_COMPLETE,
    heard("Just the headlines."),
    audio(ANSWER),
    GENERATION_COMPLETE,
    TURN_COMPLETE,
]

# -- goAway, then the session resumes on a new connection ------------------------------------
HANDLE_1, HANDLE_2 = "handle-after-turn-1", "handle-after-turn-2"
BEFORE_GO_AWAY: list[Message] = [
    SETUP_COMPLETE,
    {"sessionResumptionUpdate": {"newHandle": HANDLE_1, "resumable": True}},
    said("First answer."),
    {"sessionResumptionUpdate": {"resumable": False}},  # mid-generation: not a resume point
    GENERATION_COMPLETE,
    TURN_COMPLETE,
    {"sessionResumptionUpdate": {"newHandle": HANDLE_2, "resumable": True}},
    {"goAway": {"timeLeft": "50s"}},
]
AFTER_RESUME: list[Message] = [
    SETUP_COMPLETE,
    said("Second answer."),
    GENERATION_COMPLETE,
    TURN_COMPLETE,
]

ALL_FLOWS = {
    "text_turn": TEXT_TURN,
    "audio_turn": AUDIO_TURN,
    "tool_calls": TOOL_CALLS,
    "barge_in": BARGE_IN,
    "manual": MANUAL,
    "before_go_away": BEFORE_GO_AWAY,
    "after_resume": AFTER_RESUME,
}
