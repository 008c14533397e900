"""torchvision transforms (Resize then ToTensor) for the image and a broadcast comparison
against the whole colour map at once for the mask."""

import os

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms
from torchvision.transforms import InterpolationMode

VOC_COLORMAP = [
    [0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128], [128, 0, 128],
    [0, 128, 128], [128, 128, 128], [64, 0, 0], [192, 0, 0], [64, 128, 0], [192, 128, 0],
    [64, 0, 128], [192, 0, 128], [64, 128, 128], [192, 128, 128], [0, 64, 0], [128, 64, 0],
    [0, 192, 0], [128, 192, 0], [0, 64, 128],
]  # fmt: skip


class VocDataset(Dataset):
    def __init__(self, root, color_map, size=256, split="trainval"):
        voc = os.path.join(root, "VOCdevkit", "VOC2007")
        self.jpeg_dir = os.path.join(voc, "JPEGImages")
        self.mask_dir = os.path.join(voc, "SegmentationClass")
        split_file = os.path.join(voc, "ImageSets", "Segmentation", split + ".txt")
        self.ids = [l.rstrip("\n") for l in open(split_file) if l.strip()]  # noqa: E741 - as students write it
        self.cmap = np.asarray(color_map, dtype=np.uint8)  # (K, 3)
        self.image_tf = transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor()])
        self.mask_tf = transforms.Resize((size, size), interpolation=InterpolationMode.NEAREST)

    def __len__(self):
        return len(self.ids)

    def convert_to_segmentation_mask(self, mask):
        hits = (mask[:, :, None, :] == self.cmap[None, None, :, :]).all(axis=-1)  # (H, W, K)
        return np.where(hits.any(axis=-1), hits.argmax(axis=-1), 255).astype(np.int64)

    def __getitem__(self, index):
        name = self.ids[index]
        image = self.image_tf(Image.open(os.path.join(self.jpeg_dir, name + ".jpg")).convert("RGB"))
        mask = self.mask_tf(Image.open(os.path.join(self.mask_dir, name + ".png")).convert("RGB"))
        return image, torch.from_numpy(self.convert_to_segmentation_mask(np.asarray(mask)))
