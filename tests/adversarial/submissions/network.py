"""Attack 12: reach a server on this machine's loopback.

The test listens on loopback ports it tells nobody about, except by writing them into this
source (``@TCP_PORT@`` and friends). The adversary connects over TCP (IPv4 around the port,
IPv6, ``localhost``), sends a UDP datagram and connects to an abstract unix socket, each
time sending its name. ``scale`` is honest: 3 points, and no connection may arrive.
"""

from tests.adversarial.submissions.prelude import HONEST_SCALE, PRELUDE

NET = (
    PRELUDE
    + HONEST_SCALE
    + r"""
import socket

TCP, TCP6, UDP, UNIX = @TCP_PORT@, @TCP6_PORT@, @UDP_PORT@, "@UNIX_NAME@"


def reach_out():
    hello = f"{NAME} {TAG}".encode()
    tries = [(socket.AF_INET, ("127.0.0.1", port)) for port in range(TCP - 2, TCP + 3)]
    tries += [(socket.AF_INET, ("localhost", TCP))]
    tries += [(socket.AF_INET6, ("::1", TCP6, 0, 0))] if TCP6 else []
    for family, address in tries:
        try:
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.settimeout(0.5)
                sock.connect(address)
                sock.sendall(hello)
            breach(f"connected to {address}")
        except OSError:
            pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(hello, ("127.0.0.1", UDP))
    except OSError:
        pass
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            sock.connect("\0" + UNIX)
            sock.sendall(hello)
        breach(f"connected to the abstract unix socket {UNIX}")
    except OSError:
        pass


reach_out()


def norm_rows(x):
    reach_out()
    return np.zeros(len(x))
"""
)

STUDENTS = {"net": NET}
