"""Message-level transports: two WebSocket clients and an in-memory pair.

::

    Transport (Protocol)          send_message / receive_message / aclose / closed / statistics()
    ├── DirectWebSocketTransport  connect_direct_websocket_transport(nursery_or_None, url, ...)
    │                             open_direct_websocket_transport(url, ...)
    │                             (the default: no task, the websockets package's sans-I/O
    │                             protocol driven from the caller's task)
    ├── WebSocketTransport        connect_websocket_transport(nursery, url, ...)
    │                             open_websocket_transport(url, ...)  (owns its nursery)
    │                             (trio-websocket, with its reader task)
    └── MemoryTransport           memory_transport_pair(buffer=...) -> (client_end, server_end)

    TransportClosed(Exception)    raised by every operation once closed; ``.info`` is a CloseInfo
    CloseInfo                     code (int | None), reason, initiator ("client"/"server"/"error")
    TransportStatistics           messages/bytes sent and received

Connecting raises :class:`trio_realtime.RealtimeConnectionError`; after that, the only exception
a transport raises for a connection problem is :class:`TransportClosed`.
"""

from ._base import CloseInfo, Initiator, Transport, TransportClosed, TransportStatistics
from ._direct import DirectWebSocketTransport, connect_direct_websocket_transport
from ._keepalive import check_keepalive
from ._memory import MemoryTransport, memory_transport_pair
from ._open import open_direct_websocket_transport, open_websocket_transport
from ._websocket import WebSocketTransport, connect_websocket_transport

__all__ = [
    "CloseInfo",
    "DirectWebSocketTransport",
    "Initiator",
    "MemoryTransport",
    "Transport",
    "TransportClosed",
    "TransportStatistics",
    "WebSocketTransport",
    "check_keepalive",
    "connect_direct_websocket_transport",
    "connect_websocket_transport",
    "memory_transport_pair",
    "open_direct_websocket_transport",
    "open_websocket_transport",
]
