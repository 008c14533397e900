"""Attack 11: print megabytes, bytes that are not UTF-8, markup and terminal codes.

``OUTPUT_FLOOD`` is otherwise honest (6 points): the grader must keep a bounded, readable,
escaped tail of it. ``SURROGATES`` raises from ``scale`` an exception whose message holds
lone surrogates (valid in a Python string, not encodable as UTF-8), megabytes of text and
markup; ``norm_rows`` is honest: 3 points.
"""

from tests.adversarial.submissions.prelude import HONEST_NORM, PRELUDE

OUTPUT_FLOOD = (
    PRELUDE
    + r"""
MEGABYTE = 1 << 20
NASTY = (
    "</pre></details><script>alert('" + TAG + "')</script>\n```\n# heading\n\x1b[2J\x1b[31m\x07\x00"
).encode() + b"\xff\xfe\xc3\x28\xed\xa0\x80\n"


def flood(megabytes):
    line = "x" * 1023 + "\n"
    for _ in range(megabytes):
        sys.stdout.write(line * 1024)
        sys.stderr.write(line * 1024)
        os.write(1, b"\xff\xfe\xfd\x80" * (MEGABYTE // 4))
        os.write(2, b"\xc3\x28\xa0\xa1" * (MEGABYTE // 4))
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, NASTY)
    os.write(2, NASTY)


flood(4)


def scale(x, k):
    flood(1)
    return k * x


def norm_rows(x):
    flood(1)
    return np.sqrt((x * x).sum(axis=1))
"""
)

SURROGATES = (
    PRELUDE
    + r"""

def scale(x, k):
    raise ValueError(
        "\udcff\ud800 lone surrogates " + "y" * 5_000_000 + "</pre><script>alert(1)</script>"
    )
"""
    + HONEST_NORM
)

STUDENTS = {"output_flood": OUTPUT_FLOOD}
