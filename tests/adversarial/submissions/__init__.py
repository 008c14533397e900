"""Adversarial submissions, as source strings: one module per kind of attack.

``SHARED`` holds the adversaries that can only hurt themselves; they are graded together in
one class (see ``shared_class`` in the conftest). The others get classes of their own.
"""

from tests.adversarial.submissions import (
    exits,
    lying,
    network,
    output,
    patching,
    snooping,
    spin,
    theft,
)

SHARED: dict[str, str] = {
    **theft.STUDENTS,
    **snooping.STUDENTS,
    **patching.STUDENTS,
    **exits.STUDENTS,
    **lying.STUDENTS,
    **spin.STUDENTS,
    **output.STUDENTS,
    **network.STUDENTS,
}
