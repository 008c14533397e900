"""Everything on tensors: torchvision.io.read_image decodes the JPEG and the PNG, and
torchvision.transforms.functional.resize resizes them (bilinear with antialias, nearest for
the mask); colours are compared with torch."""

import os

import torch
import torchvision.transforms.functional as TF
from torch.utils.data import Dataset
from torchvision.io import ImageReadMode, read_image
from torchvision.transforms import InterpolationMode

VOC_COLORMAP = [
    [0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128], [128, 0, 128],
    [0, 128, 128], [128, 128, 128], [64, 0, 0], [192, 0, 0], [64, 128, 0], [192, 128, 0],
    [64, 0, 128], [192, 0, 128], [64, 128, 128], [192, 128, 128], [0, 64, 0], [128, 64, 0],
    [0, 192, 0], [128, 192, 0], [0, 64, 128],
]  # fmt: skip


class VocDataset(Dataset):
    def __init__(self, root, color_map, size=256, split="trainval"):
        self.voc = os.path.join(root, "VOCdevkit", "VOC2007")
        with open(os.path.join(self.voc, "ImageSets", "Segmentation", split + ".txt")) as fh:
            self.ids = [x for x in fh.read().splitlines() if x]
        self.colors = torch.tensor(color_map, dtype=torch.uint8)  # (K, 3)
        self.size = [size, size]

    def __len__(self):
        return len(self.ids)

    def convert_to_segmentation_mask(self, mask):
        mask = torch.as_tensor(mask)  # (H, W, 3)
        labels = torch.full(mask.shape[:2], 255, dtype=torch.int64)
        for k in range(len(self.colors)):
            labels[(mask == self.colors[k]).all(dim=-1)] = k
        return labels.numpy()

    def __getitem__(self, i):
        jpg = os.path.join(self.voc, "JPEGImages", self.ids[i] + ".jpg")
        png = os.path.join(self.voc, "SegmentationClass", self.ids[i] + ".png")
        image = read_image(jpg, mode=ImageReadMode.RGB)  # (3, H, W) uint8
        mask = read_image(png, mode=ImageReadMode.RGB)  # (3, H, W) uint8, palette expanded
        image = TF.resize(image, self.size, InterpolationMode.BILINEAR, antialias=True)
        mask = TF.resize(mask, self.size, InterpolationMode.NEAREST)
        labels = self.convert_to_segmentation_mask(mask.permute(1, 2, 0))
        return image.float() / 255, torch.from_numpy(labels)
