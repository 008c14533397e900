"""Write a synthetic dataset in torchvision's on-disk layout.

    python -m grader.datasets.make {mnist,fashionmnist,cifar10,imagefolder,voc2007} DIR [--n N]
                                   [--n-test N] [--classes K] [--size S] [--seed S]

``--n`` is the number of training images (MNIST kinds, VOC2007's train split), images per
training batch (CIFAR-10, five batches) or training images per class (ImageFolder).
``--n-test`` is the number of test images, val and test images per class for ImageFolder, or
VOC2007's val images. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from grader.datasets.shapes import LabelledImages

__all__ = ["main"]

if TYPE_CHECKING:
    from grader.datasets.voc import VocImages

DEFAULTS = {  # kind: (n, n_test)
    "mnist": (6000, 1000),
    "fashionmnist": (6000, 1000),
    "cifar10": (1000, 1000),
    "imagefolder": (20, 5),
    "voc2007": (200, 100),
}
ENV = {
    "mnist": "mnist",
    "fashionmnist": "fashion-mnist",
    "cifar10": "cifar10",
    "voc2007": "voc2007",
}


def make(
    kind: str, root: Path, n: int, n_test: int, seed: int, classes: int, size: int
) -> Mapping[str, LabelledImages | VocImages]:
    """Write dataset ``kind`` under root and return what was written, by split."""
    if kind in ("mnist", "fashionmnist"):
        from grader.datasets.idx import write_mnist_like

        return write_mnist_like(
            root, "MNIST" if kind == "mnist" else "FashionMNIST", n, n_test, seed
        )
    if kind == "cifar10":
        from grader.datasets.cifar import write_cifar10_like

        return write_cifar10_like(root, n, n_test, seed)
    if kind == "voc2007":
        from grader.datasets.voc import write_voc_like

        return write_voc_like(root, n, n_test, seed=seed)
    from grader.datasets.imagefolder import write_imagefolder

    sizes = {"train": n, "val": n_test, "test": n_test}
    return write_imagefolder(root, classes, sizes, size, seed)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive count, given: {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grader.datasets.make", description=__doc__.split("\n")[0]
    )
    parser.add_argument("kind", choices=sorted(DEFAULTS))
    parser.add_argument("root", type=Path, metavar="DIR", help="the root to pass to torchvision")
    parser.add_argument(
        "--n",
        type=_positive,
        help="training images (per batch for cifar10, per class for imagefolder)",
    )
    parser.add_argument(
        "--n-test", type=_positive, help="test images (per class and split for imagefolder)"
    )
    parser.add_argument(
        "--classes", type=_positive, default=10, help="imagefolder classes, 2-80 (default 10)"
    )
    parser.add_argument(
        "--size", type=_positive, default=32, help="imagefolder image side (default 32)"
    )
    parser.add_argument("--seed", type=int, default=0)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    n, n_test = DEFAULTS[args.kind]
    written = make(
        args.kind, args.root, args.n or n, args.n_test or n_test, args.seed, args.classes, args.size
    )
    counts = ", ".join(  # split[1]: the labels, or VOC's images
        f"{len(split[1])} {name}" for name, split in written.items()
    )
    print(f"wrote a synthetic {args.kind} under {args.root}: {counts}")
    from grader.datasets.roots import env_var

    variable = env_var(ENV[args.kind]) if args.kind in ENV else "GRADER_DATA_<NAME>"
    print(f"point the grader at it with: export {variable}={args.root.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
