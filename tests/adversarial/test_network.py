"""Attack 12: can a submission reach a server on this machine's loopback?"""

from __future__ import annotations

from tests.adversarial.conftest import Graded


def test_no_connection_arrives(shared_class: Graded) -> None:
    """It tries TCP to 127.0.0.1 (around the port), ``localhost`` and ``::1``, a UDP
    datagram and an abstract unix socket, the addresses written into its source. Nothing
    may arrive, and ``scale`` alone earns 3 points.

    Without the sandbox every TCP connection and the datagram arrive.
    """
    listener = shared_class.arena.listener
    assert listener is not None
    assert listener.events == []
    shared_class.assert_earns("net", 3)
