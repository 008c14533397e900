"""Attack 11: does flooding the output, or text that is not UTF-8, break the results?"""

from __future__ import annotations

from tests.adversarial.conftest import Graded, graded_class
from tests.adversarial.submissions.output import SURROGATES


def test_a_flood_of_output_keeps_the_results_small_and_safe(shared_class: Graded) -> None:
    """About 24 MB to stdout and stderr, through ``sys`` and straight to fds 1 and 2, with
    bytes that are not UTF-8, terminal codes and markup: an otherwise honest student still
    gets 6, its results stay small, and the markup is escaped on the feedback page."""
    shared_class.assert_earns("output_flood", 6)
    folder = shared_class.arena.out / "output_flood"
    assert sum(p.stat().st_size for p in folder.iterdir()) < 1 << 20
    assert "<script>alert" not in (folder / "feedback.html").read_text(encoding="utf-8")


def test_an_unencodable_message_is_a_result_not_a_crash() -> None:
    """``scale`` raises with lone surrogates, megabytes of text and markup in its message:
    its checks fail with a bounded message, ``norm_rows`` still earns 3, the run goes on and
    every result file is valid UTF-8."""
    with graded_class({"surrogates": SURROGATES}) as run:
        run.assert_earns("surrogates", 3)
        assert all(len(m) < 5000 for _, m in run.checks("surrogates").values())
        for path in (run.arena.out / "surrogates").iterdir():
            path.read_bytes().decode("utf-8")
        run.assert_harmless()
