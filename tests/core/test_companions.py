"""RAW+JPEG pairs and Live Photos: which files are shown as the companion of which picture."""

from __future__ import annotations

from core.indexing.companions import pair_companions


def test_a_raw_pairs_with_the_same_named_picture_in_its_own_folder_only():
    paths = [
        "/p/IMG_1.CR2",
        "/p/img_1.jpg",  # names match whatever their case
        "/p/IMG_2.NEF",  # no picture of that name: a photo of its own
        "/p/sub/IMG_3.ARW",
        "/p/IMG_3.JPG",  # another folder: no pair
        "/p/DSC_4.dng",
        "/p/DSC_4.heic",
        "/p/DSC_4.JPG",  # the camera's JPEG stands for the pair, not the HEIC
        "/p/DSC_4.ORF",  # two RAW files of one shot: both companions
        "/p/clip.mp4",
        "/p/clip.jpg",  # a film and its thumbnail: both stay
        "/p/IMG_5.HEIC",
        "/p/IMG_5.MOV",  # a Live Photo: the clip goes with its still
        "/p/IMG_6.mov",  # a clip alone is a video of its own
    ]
    assert pair_companions(paths) == {
        "/p/IMG_1.CR2": "/p/img_1.jpg",
        "/p/DSC_4.dng": "/p/DSC_4.JPG",
        "/p/DSC_4.ORF": "/p/DSC_4.JPG",
        "/p/IMG_5.MOV": "/p/IMG_5.HEIC",
    }
