"""Attack 23: forge replies the trusted side must decode, on the submission's own channel.

Each adversary finds the worker's ``Server`` through ``gc`` at import and wraps its
``dispatch`` and ``reply``: ``scale`` stays honest (3 points), while the reply to
``norm_rows`` (and, for the first, to the grader's clean-up after every check) is replaced
by bytes written straight onto the socket:

* ``FORGE_DEEP``: a header nested 100,000 levels deep (json's parser recurses on it), as the
  reply to ``norm_rows`` and to every ``release``. So that a release happens, every honest
  reply also carries a handle to an object left in the worker.
* ``FORGE_MANY``: the correct answer to ``norm_rows``, in a 6 MB header whose buffer table
  lists it and three million zero-length buffers (each one a memoryview, once).
* ``FORGE_HUGE``: the correct answer to ``norm_rows`` followed by a 300 MiB buffer, one frame
  of 300 MiB: legal under the old 2 GiB frame limit, and all of it buffered and copied.

Without the codec's bounds the first ended the lane's pytest session (and the run, with a
``KeyError``); the other two earned ``norm_rows``'s 3 points after seconds of decoding that
no time limit counted, and hundreds of MB of the lane's memory.
"""

from tests.adversarial.submissions.prelude import HONEST_NORM, HONEST_SCALE, PRELUDE

_FORGERY = r'''
import gc
import json
import socket
import struct

STATE = {"op": None, "seq": None}
CHUNK = b"\0" * (1 << 20)


def server():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Server" and isinstance(getattr(obj, "sock", None), socket.socket):
            return obj
    return None


def send(sock, header, buffers=(), length=None):
    """One raw frame: u64 length | u32 header length | header | buffers (parts, sent as is)."""
    total = 4 + len(header) + sum(len(b) for b in buffers) if length is None else length
    try:
        sock.sendall(struct.pack(">QI", total, len(header)) + header)
        for part in buffers:
            sock.sendall(part)
    except OSError:
        pass  # the grader hung up on us, as it should


def answer_header(value, seq, sizes):
    """The header of a correct reply to norm_rows: ``value`` as an array in buffer 0."""
    msg = {"$dict": [["ok", True], ["value", {"$nd": ["<f8", [len(value)], 0]}], ["seq", seq]]}
    return json.dumps({"msg": msg, "buffers": sizes}, separators=(",", ":")).encode()


def install(forge):
    """Wrap the server's dispatch (to see each request) and reply (to replace some)."""
    srv = server()
    if srv is None:
        breach("no Server found through gc")  # the attack could not even start
        return
    dispatch, reply = srv.dispatch, srv.reply

    def spy(request):
        STATE["op"], STATE["seq"] = request.get("op"), request.get("seq")
        STATE["fn"] = getattr(request.get("target"), "__name__", None)
        return dispatch(request)

    def forged(message):
        if not forge(srv.sock, message):
            reply(message)

    srv.dispatch, srv.reply = spy, forged
'''

FORGE_DEEP = (
    PRELUDE
    + HONEST_SCALE
    + HONEST_NORM
    + _FORGERY
    + r"""
DEPTH = 100_000


def forge(sock, message):
    if STATE["op"] == "release" or STATE.get("fn") == "norm_rows":
        msg = b"[" * DEPTH + b"]" * DEPTH
        send(sock, b'{"msg":' + msg + b',"buffers":[]}')
        return True
    if STATE["op"] == "call" and message.get("ok"):
        message["kept"] = object()  # goes out as a handle: the check's end releases it
    return False


install(forge)
"""
)

FORGE_MANY = (
    PRELUDE
    + HONEST_SCALE
    + HONEST_NORM
    + _FORGERY
    + r"""
EMPTY = 3_000_000


def forge(sock, message):
    if STATE.get("fn") != "norm_rows" or not message.get("ok"):
        return False
    value = np.ascontiguousarray(message["value"], dtype="<f8")
    header = answer_header(value, STATE["seq"], [value.nbytes] + [0] * EMPTY)
    send(sock, header, [value.tobytes()])
    return True


install(forge)
"""
)

FORGE_HUGE = (
    PRELUDE
    + HONEST_SCALE
    + HONEST_NORM
    + _FORGERY
    + r"""
PAD = 300 << 20


def forge(sock, message):
    if STATE.get("fn") != "norm_rows" or not message.get("ok"):
        return False
    value = np.ascontiguousarray(message["value"], dtype="<f8")
    msg = {"$dict": [["ok", True], ["value", {"$nd": ["<f8", [len(value)], 0]}],
                     ["seq", STATE["seq"]], ["pad", {"$bytes": 1}]]}
    header = json.dumps({"msg": msg, "buffers": [value.nbytes, PAD]}).encode()
    send(sock, header, [value.tobytes()] + [CHUNK] * (PAD // len(CHUNK)))
    return True


install(forge)
"""
)

STUDENTS = {"a_deep": FORGE_DEEP, "b_many": FORGE_MANY, "c_huge": FORGE_HUGE}
