"""TLS for the local server: a locally generated CA and a certificate for loopback.

The official ``google-genai`` client always dials ``wss://``, so to point it at the local server
the server serves TLS with a certificate from a CA made on the spot, and the client trusts that
CA through ``SSL_CERT_FILE`` (or an ``ssl_context``)::

    import functools, tempfile
    import trio
    import trio_realtime as rt
    from trio_realtime.server import serve_local_realtime
    from trio_realtime.server.tls import LocalTLS

    async def main() -> None:
        tls = LocalTLS.create(tempfile.mkdtemp())  # needs the tls extra (trustme)
        serve = functools.partial(serve_local_realtime, ssl_context=tls.server_context)
        async with trio.open_nursery() as nursery:
            url = await nursery.start(serve)  # wss://127.0.0.1:PORT/v1/realtime
            gateway = rt.OpenAIGateway(url=url, ssl_context=tls.client_context())
            async with rt.open_session("gpt-realtime", gateway=gateway):
                print("google-genai: SSL_CERT_FILE =", tls.ca_file)  # base_url https://...:PORT
            nursery.cancel_scope.cancel()

    trio.run(main)

``python -m trio_realtime serve --tls`` does this and prints the URLs and the CA file.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from pathlib import Path

import attrs

__all__ = ["INSTALL_HINT", "LocalTLS"]

INSTALL_HINT = 'TLS needs the "tls" extra: pip install "trio-realtime[tls]"'
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@attrs.frozen(kw_only=True)
class LocalTLS:
    """A server certificate for ``hosts`` signed by a fresh local CA.

    ``ca_file``: the CA certificate (PEM) a client trusts (``SSL_CERT_FILE``);
    ``server_context``: what to pass as ``serve_local_realtime(ssl_context=...)``.
    """

    ca_file: Path
    server_context: ssl.SSLContext
    hosts: tuple[str, ...]

    @classmethod
    def create(cls, directory: Path, hosts: Sequence[str] = LOOPBACK) -> LocalTLS:
        """Make the CA and the certificate; write the CA to ``directory``/``local-ca.pem``.

        Raises :class:`RuntimeError` (with the install hint) when ``trustme`` is missing.
        """
        try:
            import trustme
        except ImportError:
            raise RuntimeError(INSTALL_HINT) from None
        ca = trustme.CA(organization_name="trio-realtime local CA")
        certificate = ca.issue_cert(*hosts)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(context)
        ca_file = Path(directory) / "local-ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        return cls(ca_file=ca_file, server_context=context, hosts=tuple(hosts))

    def client_context(self) -> ssl.SSLContext:
        """A client context trusting (only) the local CA."""
        return ssl.create_default_context(cafile=str(self.ca_file))
